import Foundation
import RampartEngine
import RampartNet
import Testing

@testable import RampartCore

/// Drives the real dashboard in tmux (installed by `make test`) the way an operator would:
/// read the screen, press keys, resize, quit, and check the terminal and the run file after.
/// Each test has its own tmux server socket, so they can run in parallel.
final class TmuxSession {
    let socket = "rampart-e2e-\(UUID().uuidString.prefix(8))"
    let runFile: String
    let directory = CLI.temporaryDirectory()

    /// `backtracer`: leave Swift's crash backtracer on, interactive, as a user's terminal has it.
    /// `spec`: run this spec (written to the session's directory) instead of the demo.
    init(
        args: [String] = [], env: [String: String] = [:], width: Int = 100, height: Int = 30, backtracer: Bool = false, spec: String? = nil
    ) throws {
        runFile = directory + "/run.jsonl"
        var what = "demo"
        if let spec {
            try spec.write(toFile: directory + "/spec.yaml", atomically: true, encoding: .utf8)
            what = "run spec.yaml"
        }
        // The session's environment is the test's own choice: `swift test` itself exports NO_COLOR=1.
        let envText = env.map { "\($0.key)='\($0.value)'" }.joined(separator: " ")
        // Its own directory: the run's lock, socket and state stay with this session (a test that
        // crashes its run must not leave a lock in the repository that stops the next one).
        let command =
            "cd '\(directory)' && env -u NO_COLOR -u COLORTERM \(envText) SWIFT_BACKTRACE=\(backtracer ? "enable=yes,interactive=yes" : "enable=no") '\(CLI.binary)' \(what) --speed 5 --record '\(runFile)' --operator e2e \(args.joined(separator: " ")); rc=$?; stty -a; echo EXIT=$rc; sleep 60"
        try tmux(["new-session", "-d", "-x", "\(width)", "-y", "\(height)", "sh", "-c", command])
    }

    deinit { _ = try? tmux(["kill-server"]) }

    /// Runs tmux with posix_spawn and waitpid. Not Foundation's Process: the server that
    /// new-session forks inherits Process's exit-monitoring socket, so waitUntilExit never returns.
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let outFile = directory + "/tmux-\(UUID().uuidString).out"
        defer { try? FileManager.default.removeItem(atPath: outFile) }
        let argv = ["tmux", "-L", socket, "-f", "/dev/null"] + args
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let answers = ["capture-pane", "display-message"].contains(args.first)
        posix_spawn_file_actions_addopen(&actions, 1, answers ? outFile : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for a in cArgs { free(a) } }
        // Our own copy of the environment, not `environ`: another test's setenv can move that
        // array while posix_spawn reads it (EFAULT, seen once in CI).
        var cEnv = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in cEnv { free(e) } }
        // A clean signal state: the test thread that spawns may block most signals (dispatch
        // threads do), and a tmux server that inherits that mask ignores its own kill-server.
        var pid: pid_t = 0
        let rc = withCleanSignalState { posix_spawnp(&pid, "tmux", &actions, $0, &cArgs, &cEnv) }
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .ENOENT) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (try? String(contentsOfFile: outFile, encoding: .utf8)) ?? ""
    }

    func screen(escapes: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p"] + (escapes ? ["-e"] : []) + ["-t", "0"])) ?? ""
    }

    /// Sends a signal to this session's rampart process (found by its run file).
    func signal(_ name: String) throws {
        let kill = Process()
        kill.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        kill.arguments = ["pkill", "-\(name)", "-f", "--", "--record \(runFile)"]
        try kill.run()
        kill.waitUntilExit()
    }

    func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", "0"] + keys) }

    /// Whether the pane has asked tmux for mouse reports ("1") or not ("0").
    var mouseReporting: String {
        ((try? tmux(["display-message", "-p", "-t", "0", "#{mouse_any_flag}"])) ?? "").trimmingCharacters(in: .newlines)
    }

    /// The pane's title, as the dashboard set it (tmux keeps what OSC 2 sent).
    var title: String { ((try? tmux(["display-message", "-p", "-t", "0", "#{pane_title}"])) ?? "").trimmingCharacters(in: .newlines) }

    /// A left click on `text` where the screen shows it, sent as the terminal would: an SGR
    /// mouse report (what the dashboard asks for), press then release, each its own write.
    func click(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let rows = screen().split(separator: "\n", omittingEmptySubsequences: false)
        guard let y = rows.firstIndex(where: { $0.contains(text) }), let r = rows[y].range(of: text) else {
            Issue.record("'\(text)' is not on the screen to click", sourceLocation: sourceLocation)
            return
        }
        let x = rows[y].distance(from: rows[y].startIndex, to: r.lowerBound) + 1
        try type("\u{1B}[<0;\(x + 1);\(y + 1)M")
        try type("\u{1B}[<0;\(x + 1);\(y + 1)m")
    }
    func type(_ text: String) throws { try tmux(["send-keys", "-t", "0", "-l", text]) }

    /// Polls the screen until `condition` holds; fails the test with the last screen if it never does.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 120, sourceLocation: SourceLocation = #_sourceLocation, _ condition: (String) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = screen()
            if condition(last) { return true }
            usleep(100_000)
        }
        Issue.record("timed out waiting for \(what); screen was:\n\(last)", sourceLocation: sourceLocation)
        return false
    }

    func waitFor(text: String, timeout: Double = 120, sourceLocation: SourceLocation = #_sourceLocation) {
        waitFor("'\(text)'", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }
}

@Suite(.serialized)
struct DashboardE2ETests {
    /// These tests wait on tmux for seconds at a time; on a thread of their own they leave the
    /// 2-thread cooperative pool to the async tests running beside them.
    /// (Same task, so its expectations still count for the test.)
    func offPool(_ body: @escaping @Sendable () throws -> Void) async throws {
        try await withTaskExecutorPreference(NetExecutor.shared) { try body() }
    }

    init() throws {
        // A missing tmux must fail loudly, not skip: `make test` installs it.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["tmux", "-V"]
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "tmux is required for the dashboard tests (make test installs it)")
    }

    @Test func anOperatorRollsBackWithAReasonAndTheTerminalIsRestored() async throws {
        try await offPool { try self.anOperatorRollsBackWithAReasonAndTheTerminalIsRestoredBody() }
    }

    func anOperatorRollsBackWithAReasonAndTheTerminalIsRestoredBody() throws {
        let t = try TmuxSession()
        t.waitFor(text: "ETA step")
        try t.keys("?")
        t.waitFor(text: "Greyed keys do not apply right now")
        try t.keys("x")
        t.waitFor("help to close") { !$0.contains("Greyed keys") }
        try t.keys("r")
        t.waitFor(text: "Roll back?")
        #expect(t.screen().contains("radius so far: the candidate serves"))
        try t.type("e2e saw a spike")
        try t.keys("Tab")
        try t.keys("Enter")
        t.waitFor(text: "ROLLED BACK")
        try t.tmux(["resize-window", "-t", "0", "-x", "60", "-y", "20"])
        t.waitFor(text: "terminal too small")
        try t.tmux(["resize-window", "-t", "0", "-x", "120", "-y", "40"])
        t.waitFor(text: "ROLLED BACK")
        try t.keys("q")
        t.waitFor(text: "EXIT=2")
        let after = t.screen()
        #expect(after.contains("outcome: ROLLED_BACK (exit 2)"))
        // stty -a after exit: canonical mode and echo are back on.
        #expect(after.contains(" icanon") && !after.contains("-icanon"))
        #expect(after.contains(" echo ") && !after.contains("-echo "))
        let recording = try RunFileCodec.read(file: t.runFile)
        let action = recording.events.compactMap { if case .operatorAction(let o) = $0.body { o } else { nil } }.first
        #expect(action?.command.operator == "e2e")
        #expect(action?.command.reason == "e2e saw a spike")
        #expect(recording.outcome?.outcome == .rolledBack)
    }

    /// The mouse does what the keys do: the footer's "r rollback" opens the dialog, its button
    /// sends the rollback; the pane's title follows the run.
    @Test func anOperatorRollsBackWithTheMouse() async throws {
        try await offPool { try self.anOperatorRollsBackWithTheMouseBody() }
    }

    func anOperatorRollsBackWithTheMouseBody() throws {
        let t = try TmuxSession(width: 120, height: 40)
        t.waitFor(text: "ETA step")
        #expect(t.title.hasPrefix("rampart · support-bot · canary "), "title: \(t.title)")
        try t.click("r rollback")
        t.waitFor(text: "Roll back?")
        try t.click("[ Cancel ]")
        t.waitFor("the dialog to close") { !$0.contains("Roll back?") }
        try t.click("r rollback")
        t.waitFor(text: "Roll back?")
        try t.type("clicked")
        try t.click("[ Roll back ]")
        t.waitFor(text: "ROLLED BACK")
        t.waitFor("the title to say so") { _ in t.title == "rampart · support-bot · ROLLED BACK" }
        #expect(t.mouseReporting == "1")
        try t.keys("q")
        t.waitFor(text: "EXIT=2")
        #expect(t.mouseReporting == "0", "the shell got the terminal back still reporting the mouse")
        let recording = try RunFileCodec.read(file: t.runFile)
        let action = recording.events.compactMap { if case .operatorAction(let o) = $0.body { o } else { nil } }.first
        #expect(action?.command.kind == .rollback)
        #expect(action?.command.reason == "clicked")
    }

    /// The ramp finishes while the operator is typing a rollback reason: the dialog stays, says
    /// the run ended, keeps every keystroke as text, and Enter logs the reason instead of
    /// sending a command to a finished run.
    @Test func theRunPromotingUnderTheRollbackDialogLosesNoKeystroke() async throws {
        try await offPool { try self.theRunPromotingUnderTheRollbackDialogLosesNoKeystrokeBody() }
    }

    func theRunPromotingUnderTheRollbackDialogLosesNoKeystrokeBody() throws {
        let t = try TmuxSession(height: 34)
        t.waitFor(text: "step 3/3")
        try t.keys("r")
        t.waitFor(text: "Roll back?")
        try t.type("quality looks off")
        t.waitFor(text: "The run ended PROMOTED while this was open")
        #expect(t.screen().contains("A rollback can no longer go through this run"))
        // q and p are keys of the main keymap: here they are text.
        try t.type(" q p")
        t.waitFor(text: "quality looks off q p")
        try t.keys("Enter")
        t.waitFor(text: "e2e (not sent, the run had ended): quality looks off q p")
        try t.keys("q")
        t.waitFor(text: "EXIT=0")
        let recording = try RunFileCodec.read(file: t.runFile)
        #expect(recording.outcome?.outcome == .promoted)
        #expect(!recording.events.contains { if case .operatorAction = $0.body { true } else { false } }, "nothing was sent")
    }

    /// The same race with a router outside the process (a file flag): the dialog the promotion
    /// overtook becomes "Roll back the promotion?", the flag goes back to the baseline, the run
    /// file records it, the engine's socket points at the run file, and the run exits 2.
    @Test func aPromotionOvertakingTheRollbackDialogIsRolledBackAtTheRouter() async throws {
        try await offPool { try self.aPromotionOvertakingTheRollbackDialogIsRolledBackAtTheRouterBody() }
    }

    func aPromotionOvertakingTheRollbackDialogIsRolledBackAtTheRouterBody() throws {
        let spec = PromotionRollbackCLITests.spec(router: "router: { kind: file, path: flags.json }", bake: "40s")
        let t = try TmuxSession(height: 34, spec: spec)
        // 40 s of bake at --speed 5: seconds for the keys below to land before the promotion.
        t.waitFor(text: "step 1/1")
        try t.keys("r")
        t.waitFor(text: "Roll back?")
        try t.type("quality looks off")
        t.waitFor(text: "Roll back the promotion?")
        #expect(t.screen().contains("the run ended PROMOTED while this was open"))
        #expect(SignalTests.flagWeight(t.directory + "/flags.json") == 100)
        // The engine has finished; its socket says where a rollback of the promotion goes.
        let asked = try CLI.runBlocking(["rollback"], in: t.directory, environment: [:])
        #expect(asked.status == 1 && asked.stderr.contains("the run has finished PROMOTED: `rampart rollback \(t.runFile)`"), "\(asked.stderr)")
        try t.keys("Tab")
        try t.keys("Enter")
        t.waitFor(text: "ROLLED BACK AFTER PROMOTION")
        #expect(SignalTests.flagWeight(t.directory + "/flags.json") == 0, "the flag sends everything to the baseline")
        try t.keys("q")
        t.waitFor(text: "EXIT=2")
        #expect(t.screen().contains("then: ROLLED BACK (exit 2)"))
        let recording = try RunFileCodec.read(file: t.runFile)
        #expect(recording.outcome?.outcome == .promoted)
        #expect(recording.promotionRollback?.operator == "e2e" && recording.promotionRollback?.reason == "quality looks off")
    }

    @Test func quittingWhileLiveAsksFirstThenAborts() async throws { try await offPool { try self.quittingWhileLiveAsksFirstThenAbortsBody() } }

    func quittingWhileLiveAsksFirstThenAbortsBody() throws {
        let t = try TmuxSession()
        t.waitFor(text: "ETA step")
        try t.keys("q")
        t.waitFor(text: "Quit while the canary is live?")
        try t.keys("Enter")  // Cancel has focus
        t.waitFor("the dialog to close") { !$0.contains("Quit while") }
        try t.keys("q")
        t.waitFor(text: "Quit while the canary is live?")
        try t.keys("Right", "Enter")
        t.waitFor(text: "EXIT=3")
        let recording = try RunFileCodec.read(file: t.runFile)
        #expect(recording.outcome?.outcome == .aborted)
    }

    @Test func sigintAbortsCleanly() async throws { try await offPool { try self.sigintAbortsCleanlyBody() } }

    func sigintAbortsCleanlyBody() throws {
        let t = try TmuxSession()
        t.waitFor(text: "ETA step")
        // Signal the process itself: tmux's C-c would also interrupt the wrapper shell.
        try t.signal("INT")
        t.waitFor(text: "EXIT=3")
        #expect(t.screen().contains(" icanon"))
        let recording = try RunFileCodec.read(file: t.runFile)
        #expect(recording.outcome?.reason.contains("interrupted") == true)
    }

    @Test func aCrashStillRestoresTheTerminal() async throws { try await offPool { try self.aCrashStillRestoresTheTerminalBody() } }

    func aCrashStillRestoresTheTerminalBody() throws {
        let t = try TmuxSession()
        t.waitFor(text: "ETA step")
        // A fatal signal, as a trap or a bad pointer would raise: the C guard restores the modes.
        #expect(t.mouseReporting == "1")
        try t.signal("SEGV")
        t.waitFor(text: "EXIT=139")
        #expect(t.mouseReporting == "0", "the crash left the terminal reporting the mouse")
        let after = t.screen()
        #expect(after.contains(" icanon") && !after.contains("-icanon"))
        #expect(after.contains(" echo ") && !after.contains("-echo "))
        // Decisions made before the crash are on disk; the run file says the run did not finish.
        let recording = try RunFileCodec.read(file: t.runFile)
        #expect(recording.outcome == nil)
        #expect(recording.events.contains { if case .canaryStep = $0.body { true } else { false } })
        // The crash left its lock; recovery completes the record (the builtin proxy died with it).
        let recovered = try CLI.runBlocking(["recover"], in: t.directory, environment: [:])
        #expect(recovered.status == 0 && recovered.stdout.contains("nothing outside it to reset"), "\(recovered.stdout)\(recovered.stderr)")
        #expect(try RunFileCodec.read(file: t.runFile).outcome?.outcome == .aborted)
    }

    @Test func aCrashUnderTheInteractiveBacktracerEndsTheProcessNeverResumes() async throws {
        try await offPool { try self.aCrashUnderTheInteractiveBacktracerBody() }
    }

    func aCrashUnderTheInteractiveBacktracerBody() throws {
        let t = try TmuxSession(backtracer: true)
        t.waitFor(text: "ETA step")
        try t.signal("SEGV")
        // Swift's interactive backtracer would wait for a key over the screen and could then
        // resume; the guard restores the terminal and the process dies of the signal.
        t.waitFor(text: "EXIT=139")
        let after = t.screen()
        #expect(after.contains(" icanon") && !after.contains("-icanon"))
        #expect(!after.contains("PROMOTED"))
        #expect(try RunFileCodec.read(file: t.runFile).outcome == nil, "no outcome was made up")
    }

    static func colourParameters(_ s: String) -> [Int] {
        var out: [Int] = []
        var rest = s[...]
        while let r = rest.range(of: "\u{1B}[") {
            let tail = rest[r.upperBound...]
            guard let m = tail.firstIndex(of: "m") else { break }
            let params = tail[..<m].split(separator: ";").compactMap { Int($0) }
            out += params.filter { (30...38).contains($0) || (40...48).contains($0) || (90...97).contains($0) || (100...107).contains($0) }
            rest = tail[m...]
        }
        return out
    }

    @Test func noColorMeansNoColourButStatesStayReadable() async throws {
        try await offPool { try self.noColorMeansNoColourButStatesStayReadableBody() }
    }

    func noColorMeansNoColourButStatesStayReadableBody() throws {
        let coloured = try TmuxSession()
        coloured.waitFor(text: "ETA step")
        #expect(!Self.colourParameters(coloured.screen(escapes: true)).isEmpty, "the default theme should use colour")
        let plain = try TmuxSession(env: ["NO_COLOR": "1"])
        plain.waitFor(text: "ETA step")
        let screen = plain.screen(escapes: true)
        #expect(Self.colourParameters(screen).isEmpty)
        #expect(plain.screen().contains("✓ build"))
    }

    @Test func colourDepthFollowsTheTerminal() async throws { try await offPool { try self.colourDepthFollowsTheTerminalBody() } }

    func colourDepthFollowsTheTerminalBody() throws {
        let truecolour = try TmuxSession(env: ["COLORTERM": "truecolor"])
        truecolour.waitFor(text: "ETA step")
        #expect(truecolour.screen(escapes: true).contains("38;2;"), "COLORTERM=truecolor should give 24-bit colour")
        let basic = try TmuxSession(env: ["TERM": "xterm"])
        basic.waitFor(text: "ETA step")
        let params = Self.colourParameters(basic.screen(escapes: true))
        #expect(!params.isEmpty)
        #expect(!params.contains(38) && !params.contains(48), "TERM=xterm has 8 colours: no extended colour sequences")
    }

    @Test func aNonUTF8LocaleGetsASCII() async throws { try await offPool { try self.aNonUTF8LocaleGetsASCIIBody() } }

    func aNonUTF8LocaleGetsASCIIBody() throws {
        let t = try TmuxSession(env: ["LC_ALL": "C"])
        t.waitFor(text: "ETA step")
        let screen = t.screen()
        #expect(screen.contains("+ build ->"))
        #expect(screen.contains("+- Canary"))
        #expect(screen.unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func aBadThemeIsAnInputErrorBeforeCursesStarts() async throws {
        try await offPool { try self.aBadThemeIsAnInputErrorBeforeCursesStartsBody() }
    }

    func aBadThemeIsAnInputErrorBeforeCursesStartsBody() throws {
        let dir = CLI.temporaryDirectory()
        try "theme[main_fgg]=\"#ffffff\"\n".write(toFile: dir + "/bad.theme", atomically: true, encoding: .utf8)
        let t = try TmuxSession(args: ["--theme", dir + "/bad.theme"], width: 220)
        t.waitFor(text: "EXIT=65")
        #expect(t.screen().contains("bad.theme:1:1: main_fgg: unknown key 'main_fgg' (did you mean 'main_fg'?)"))
    }
}
