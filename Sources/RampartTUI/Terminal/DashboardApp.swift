import Foundation
import RampartCore

/// Runs the live dashboard: one thread owns curses and loops over input, engine events and a
/// one-second tick; frames are drawn only when something changed, at most 20 per second.
///
/// Nothing is printed while curses is active: stderr goes to a log file for the duration and is
/// replayed after the terminal is restored.
public final class DashboardApp: Sendable {
    public struct Configuration: Sendable {
        public var operatorName: String
        public var themes: [Theme]
        public var themeIndex: Int
        /// `NO_COLOR` is set: no colour at all, whatever the theme.
        public var noColor: Bool
        public var stderrLog: String
        /// Clicks and the wheel reach the dashboard. Off keeps the terminal's own selection
        /// (copying a log line) without holding shift.
        public var mouse: Bool
        /// Set for a live run whose promotion the dashboard may take back after the run ended.
        public var promotionRollback: PromotionRollbackOffer?

        public init(
            operatorName: String, themes: [Theme], themeIndex: Int, noColor: Bool, stderrLog: String, mouse: Bool = true,
            promotionRollback: PromotionRollbackOffer? = nil
        ) {
            self.operatorName = operatorName
            self.themes = themes.isEmpty ? [Theme.builtinDefault] : themes
            self.themeIndex = themeIndex
            self.noColor = noColor
            self.stderrLog = stderrLog
            self.mouse = mouse
            self.promotionRollback = promotionRollback
        }
    }

    enum Message: Sendable {
        case engine(RunEvent)
        case engineFinished
        case interrupt(String)
        case promotionUndone(ok: Bool, text: String)
    }

    public static let frameInterval = 0.05

    let configuration: Configuration
    let inbox = Inbox<Message>()
    let send: @Sendable (OperatorCommand) -> Void
    /// Set for a replay: the recording's events, played on a virtual clock instead of an engine.
    let replayEvents: [RunEvent]?
    let replaySpeed: Double

    public init(configuration: Configuration, send: @escaping @Sendable (OperatorCommand) -> Void) {
        self.configuration = configuration
        self.send = send
        self.replayEvents = nil
        self.replaySpeed = 1
    }

    /// A dashboard that replays a recording: the same reducer and screens as a live run.
    public init(configuration: Configuration, replaying events: [RunEvent], speed: Double) {
        self.configuration = configuration
        self.send = { _ in }
        self.replayEvents = events
        self.replaySpeed = speed
    }

    /// Feeds the engine's events to the UI thread.
    public func forward(_ events: AsyncStream<RunEvent>) async {
        for await event in events { inbox.post(.engine(event)) }
        inbox.post(.engineFinished)
    }

    /// Ctrl-C, SIGTERM or SIGHUP while the dashboard is up: abort the run, saying which, and
    /// leave once it has ended.
    public func interrupt(reason: String) {
        inbox.post(.interrupt(reason))
    }

    /// Runs the UI loop on the calling thread until the operator quits and the engine is done.
    public func runLoop() {
        let stderrCopy = redirectStderr()
        var loop = UILoop(app: self)
        while !loop.finished { loop.turn() }
        loop.terminal.end()
        restoreStderr(stderrCopy)
    }

    static func wallNow() -> Double { Date().timeIntervalSince1970 }

    private func redirectStderr() -> Int32 {
        let saved = dup(STDERR_FILENO)
        let directory = (configuration.stderrLog as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? PrivateState.directory(directory) }
        let fd = open(configuration.stderrLog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, PrivateState.fileMode)
        if fd >= 0 {
            dup2(fd, STDERR_FILENO)
            close(fd)
        }
        return saved
    }

    private func restoreStderr(_ saved: Int32) {
        guard saved >= 0 else { return }
        dup2(saved, STDERR_FILENO)
        close(saved)
        if let text = try? String(contentsOfFile: configuration.stderrLog, encoding: .utf8), !text.isEmpty {
            FileHandle.standardError.write(Data(text.utf8))
        }
    }
}

/// The UI thread's state between turns: the terminal, the dashboard's state (changed only by
/// the reducer), the replay player, and when the screen was last drawn. One turn waits for
/// input, an engine message or the next frame, feeds what came to the reducer, performs the
/// effects, and draws if anything changed.
private struct UILoop {
    let app: DashboardApp
    let terminal: NcursesTerminal
    let themes: [Theme]
    let glyphs: Glyphs
    var state: DashboardState
    var player: ReplayPlayer?
    var lastWall: Double
    var engineDone: Bool
    var dirty = true
    var lastFrame = 0.0
    var lastSecond: Int
    /// The frame on the terminal now: a click means what it shows under the pointer.
    var lastScreen: Screen?

    init(app: DashboardApp) {
        self.app = app
        let configuration = app.configuration
        themes = configuration.themes.map { configuration.noColor ? $0.withoutColor : $0 }
        terminal = NcursesTerminal(colors: !configuration.noColor, mouse: configuration.mouse)
        glyphs = terminal.utf8 ? .unicode : .ascii
        state = DashboardState(
            operatorName: configuration.operatorName, themeNames: themes.map(\.name), themeIndex: configuration.themeIndex,
            now: DashboardApp.wallNow())
        player = app.replayEvents.map { ReplayPlayer(events: $0, speed: app.replaySpeed) }
        lastWall = DashboardApp.wallNow()
        if player != nil { state = Self.fresh(state) }
        if let offer = configuration.promotionRollback, player == nil { state.promotionUndo = offer.availability }
        engineDone = player != nil
        lastSecond = Int(state.now)
    }

    /// Quitting waits for a promotion's rollback under way: its answer is what the operator must see.
    var finished: Bool { state.quitting && engineDone && !state.promotionUndo.isPending }

    /// A fresh state for the replay at position 0, keeping what the operator chose on screen.
    static func fresh(_ old: DashboardState) -> DashboardState {
        var s = DashboardState(operatorName: old.operatorName, themeNames: old.themeNames, themeIndex: old.themeIndex, now: 0)
        s.focus = old.focus
        s.selectedMetric = old.selectedMetric
        s.bellEnabled = false
        return s
    }

    mutating func turn() {
        waitForSomething()
        let flashBefore = state.flash
        advanceClock()
        if state.flash != flashBefore { dirty = true }
        var effects = readTerminal()
        effects += drainInbox()
        perform(effects)
        tickSecond()
        drawIfDue()
    }

    /// Sleeps in poll until a key, an engine message, the next frame or the next second.
    private func waitForSomething() {
        let now = DashboardApp.wallNow()
        var fds = [
            pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: app.inbox.wakeFD, events: Int16(POLLIN), revents: 0),
        ]
        let untilFrame = max(0, lastFrame + DashboardApp.frameInterval - now)
        let untilSecond = Double(lastSecond + 1) - now
        // Capped at 250 ms: SIGWINCH may land on another thread and only getch reports it.
        var timeout = dirty ? untilFrame : min(0.25, max(0, untilSecond))
        if let p = player, !p.paused, !p.atEnd { timeout = min(timeout, DashboardApp.frameInterval) }
        _ = poll(&fds, 2, Int32((timeout * 1000).rounded(.up)))
    }

    /// Wall time for a live run; for a replay, the player moves on and its due events arrive.
    private mutating func advanceClock() {
        guard var p = player else {
            _ = DashboardReducer.reduce(&state, .tick(DashboardApp.wallNow()))
            return
        }
        let wall = DashboardApp.wallNow()
        p.advance(by: wall - lastWall)
        lastWall = wall
        let due = p.due()
        for e in due { _ = DashboardReducer.reduce(&state, .engine(e)) }
        _ = DashboardReducer.reduce(&state, .tick(p.position))
        if !due.isEmpty || state.replay != p.status { dirty = true }
        _ = DashboardReducer.reduce(&state, .replayStatus(p.status))
        player = p
    }

    private mutating func readTerminal() -> [DashboardEffect] {
        var effects: [DashboardEffect] = []
        for input in terminal.readInput() {
            switch input {
            case .resize: terminal.invalidate()
            case .key(let key): effects += DashboardReducer.reduce(&state, .key(key))
            case .click(let x, let y):
                if let target = lastScreen?.hotspot(x: x, y: y)?.target { effects += DashboardReducer.reduce(&state, .click(target)) }
            case .wheel(let x, let y, let up):
                effects += DashboardReducer.reduce(&state, .wheel(lastScreen?.hotspot(x: x, y: y)?.target, up: up))
            }
            dirty = true
        }
        return effects
    }

    private mutating func drainInbox() -> [DashboardEffect] {
        var effects: [DashboardEffect] = []
        for message in app.inbox.drain() {
            switch message {
            case .engine(let event): effects += DashboardReducer.reduce(&state, .engine(event))
            case .engineFinished: engineDone = true
            case .interrupt(let reason): effects += DashboardReducer.reduce(&state, .interrupted(engineRunning: !engineDone, reason: reason))
            case .promotionUndone(let ok, let text): effects += DashboardReducer.reduce(&state, .promotionUndone(ok: ok, text: text))
            }
            dirty = true
        }
        return effects
    }

    private mutating func perform(_ effects: [DashboardEffect]) {
        for effect in effects {
            switch effect {
            case .send(let command):
                app.send(command)
            case .bell:
                terminal.bell()
            case .replay(let control):
                guard var p = player else { break }
                if p.control(control) { state = Self.fresh(state) }
                for e in p.due() { _ = DashboardReducer.reduce(&state, .engine(e)) }
                _ = DashboardReducer.reduce(&state, .tick(p.position))
                _ = DashboardReducer.reduce(&state, .replayStatus(p.status))
                player = p
                dirty = true
            case .rollBackPromotion(let reason):
                guard let offer = app.configuration.promotionRollback else { break }
                let inbox = app.inbox
                Task {
                    let answer = await offer.perform(reason)
                    inbox.post(.promotionUndone(ok: answer.ok, text: answer.text))
                }
            case .quit:
                // Before the canary there is no traffic to protect; still stop the run cleanly.
                if !engineDone && state.finished == nil && !state.canaryLive {
                    app.send(OperatorCommand(.abort, operator: app.configuration.operatorName, reason: "operator quit the dashboard"))
                }
            }
        }
    }

    /// The elapsed clock and the staleness mark move each second while the run is live; a
    /// finished run's screen is still, and so is the process.
    private mutating func tickSecond() {
        let second = Int(state.now)
        guard second != lastSecond else { return }
        lastSecond = second
        if state.finished == nil { dirty = true }
    }

    private mutating func drawIfDue() {
        guard dirty, !finished, DashboardApp.wallNow() - lastFrame >= DashboardApp.frameInterval else { return }
        let (w, h) = terminal.size
        let screen = DashboardView.render(state, width: w, height: h, theme: themes[state.themeIndex], glyphs: glyphs)
        terminal.draw(screen)
        lastScreen = screen
        if let log = screen.hotspots.first(where: { $0.target == .log }), log.height - 2 != state.logRows {
            _ = DashboardReducer.reduce(&state, .layout(logRows: log.height - 2))
        }
        terminal.setTitle(TerminalTitle.text(state))
        lastFrame = DashboardApp.wallNow()
        dirty = false
    }
}
