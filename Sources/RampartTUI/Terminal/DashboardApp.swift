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

        public init(operatorName: String, themes: [Theme], themeIndex: Int, noColor: Bool, stderrLog: String) {
            self.operatorName = operatorName
            self.themes = themes.isEmpty ? [Theme.builtinDefault] : themes
            self.themeIndex = themeIndex
            self.noColor = noColor
            self.stderrLog = stderrLog
        }
    }

    enum Message: Sendable {
        case engine(RunEvent)
        case engineFinished
        case interrupt
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

    /// Ctrl-C or SIGTERM while the dashboard is up: abort the run and leave once it has ended.
    public func interrupt() {
        inbox.post(.interrupt)
    }

    /// Runs the UI loop on the calling thread until the operator quits and the engine is done.
    public func runLoop() {
        let stderrCopy = redirectStderr()
        let themes = configuration.themes.map { configuration.noColor ? $0.withoutColor : $0 }
        let colors = !configuration.noColor
        let terminal = NcursesTerminal(colors: colors)
        let glyphs: Glyphs = terminal.utf8 ? .unicode : .ascii
        var state = DashboardState(
            operatorName: configuration.operatorName, themeNames: themes.map(\.name), themeIndex: configuration.themeIndex, now: Self.wallNow())
        var player = replayEvents.map { ReplayPlayer(events: $0, speed: replaySpeed) }
        var lastWall = Self.wallNow()
        /// A fresh state for the replay at position 0, keeping what the operator chose on screen.
        func fresh(_ old: DashboardState) -> DashboardState {
            var s = DashboardState(operatorName: old.operatorName, themeNames: old.themeNames, themeIndex: old.themeIndex, now: 0)
            s.focus = old.focus
            s.selectedMetric = old.selectedMetric
            s.bellEnabled = false
            return s
        }
        if player != nil { state = fresh(state) }
        var engineDone = player != nil
        var dirty = true
        var lastFrame = 0.0
        var lastSecond = Int(state.now)

        while true {
            let now = Self.wallNow()
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0), pollfd(fd: inbox.wakeFD, events: Int16(POLLIN), revents: 0)]
            let untilFrame = max(0, lastFrame + Self.frameInterval - now)
            let untilSecond = Double(lastSecond + 1) - now
            // Capped at 250 ms: SIGWINCH may land on another thread and only getch reports it.
            var timeout = dirty ? untilFrame : min(0.25, max(0, untilSecond))
            if let p = player, !p.paused, !p.atEnd { timeout = min(timeout, Self.frameInterval) }
            _ = poll(&fds, 2, Int32((timeout * 1000).rounded(.up)))

            var effects: [DashboardEffect] = []
            let flashBefore = state.flash
            if var p = player {
                let wall = Self.wallNow()
                p.advance(by: wall - lastWall)
                lastWall = wall
                let due = p.due()
                for e in due { _ = DashboardReducer.reduce(&state, .engine(e)) }
                _ = DashboardReducer.reduce(&state, .tick(p.position))
                if !due.isEmpty || state.replay != p.status { dirty = true }
                state.replay = p.status
                player = p
            } else {
                _ = DashboardReducer.reduce(&state, .tick(Self.wallNow()))
            }
            if state.flash != flashBefore { dirty = true }
            for input in terminal.readInput() {
                switch input {
                case .resize:
                    terminal.invalidate()
                case .key(let key):
                    effects += DashboardReducer.reduce(&state, .key(key))
                }
                dirty = true
            }
            for message in inbox.drain() {
                switch message {
                case .engine(let event):
                    effects += DashboardReducer.reduce(&state, .engine(event))
                case .engineFinished:
                    engineDone = true
                case .interrupt:
                    if !engineDone { send(OperatorCommand(.abort, operator: configuration.operatorName, reason: "interrupted (SIGINT/SIGTERM)")) }
                    state.quitting = true
                    state.pending = "interrupted: aborting, traffic back to the baseline"
                }
                dirty = true
            }
            for effect in effects {
                switch effect {
                case .send(let command):
                    send(command)
                case .bell:
                    terminal.bell()
                case .replay(let control):
                    guard var p = player else { break }
                    if p.control(control) { state = fresh(state) }
                    for e in p.due() { _ = DashboardReducer.reduce(&state, .engine(e)) }
                    _ = DashboardReducer.reduce(&state, .tick(p.position))
                    state.replay = p.status
                    player = p
                    dirty = true
                case .quit:
                    // Before the canary there is no traffic to protect; still stop the run cleanly.
                    if !engineDone && state.finished == nil && !state.canaryLive {
                        send(OperatorCommand(.abort, operator: configuration.operatorName, reason: "operator quit the dashboard"))
                    }
                }
            }
            if state.quitting && engineDone { break }
            let second = Int(state.now)
            if second != lastSecond {
                lastSecond = second
                // The elapsed clock and the staleness mark move each second while the run is live;
                // a finished run's screen is still, and so is the process.
                if state.finished == nil { dirty = true }
            }
            if dirty && Self.wallNow() - lastFrame >= Self.frameInterval {
                let (w, h) = terminal.size
                let screen = DashboardView.render(state, width: w, height: h, theme: themes[state.themeIndex], glyphs: glyphs)
                terminal.draw(screen)
                lastFrame = Self.wallNow()
                dirty = false
            }
        }
        terminal.end()
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
