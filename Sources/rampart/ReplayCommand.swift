import ArgumentParser
import Foundation
import RampartCore
import RampartTUI

/// `rampart replay RUN`: a recorded run again, in the dashboard or as text, or re-judged.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a recorded run in the dashboard (or --headless), or re-judge its traffic under another policy (--judge).",
        discussion: """
            Headless replays print the events and the summary at full speed and exit with the recorded \
            outcome's code (3 when the run did not finish). In the dashboard: space pauses, +/- change the \
            speed (1×, 2×, 10×, max), n/N jump to the next/previous decision, ←/→ seek 10 s; promote and \
            rollback are disabled. --judge POLICY re-runs the canary judge over the recorded requests with the \
            policy's judge, metrics and thresholds, and says where the decision would have differed.
            """)

    @Argument(help: ArgumentHelp("A run file, or a run's name (or unique prefix) in .rampart/runs.", valueName: "run"))
    var recordingName: String

    @Flag(help: "Print the events and summary instead of opening the dashboard.")
    var headless = false

    @Option(help: "Dashboard replay speed: 1, 2, 10 or max.")
    var speed: String = "10"

    @Option(help: "A what-if policy (YAML with judge, metrics, analysis_interval, min_samples) to re-judge the recorded traffic.")
    var judge: String?

    @Option(help: "Dashboard theme (name or file).")
    var theme: String = "default"

    @Flag(help: "Leave the mouse to the terminal (its own text selection) instead of clicks and the wheel in the dashboard.")
    var noMouse = false

    @Option(help: "The runs directory, for run names.")
    var dir: String = RunsCommand.defaultDirectory

    func validate() throws {
        guard ["1", "2", "10", "max"].contains(speed) else { throw ValidationError("--speed must be 1, 2, 10 or max, got '\(speed)'") }
    }

    func run() throws {
        let path = try RunsCommand.resolve(recordingName, in: dir)
        let recording: RunFileCodec.Recording
        do {
            // Only a what-if needs the requests; the screens and the summary never show them.
            recording = try RunFileCodec.read(file: path, skipObservations: judge == nil)
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        if let judge {
            try whatIf(recording, policyFile: judge, path: path)
            return
        }
        let useDashboard = !headless && isatty(STDOUT_FILENO) != 0 && isatty(STDIN_FILENO) != 0
        if useDashboard {
            let themes = try ThemeSelection.load(theme)
            let app = DashboardApp(
                configuration: .init(
                    operatorName: recording.header.operator, themes: themes.themes, themeIndex: themes.index,
                    noColor: !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty, stderrLog: ".rampart/dashboard-stderr.log",
                    mouse: !noMouse),
                replaying: recording.events, speed: speed == "max" ? .infinity : Double(speed) ?? 1)
            app.runLoop()
        } else {
            // A recording is printed at once, not as it happens: a write per block of lines
            // instead of one per line (stdout is line-buffered for live runs) was a fifth of a
            // long replay.
            BlockOutput.writeLines(recording.events) { e in
                if case .observations = e.body { return nil }
                return EventLine.format(e)
            }
            print("")
        }
        for line in RunSummary.lines(events: recording.events, runFile: path, rollback: recording.promotionRollback) { say(line) }
        if let unfinished = recording.unfinished {
            say(unfinished)
            throw ExitCode(RunOutcome.aborted.exitCode)
        }
        throw ExitCode(recording.finalOutcome?.exitCode ?? RunOutcome.aborted.exitCode)
    }

    func whatIf(_ recording: RunFileCodec.Recording, policyFile: String, path: String) throws {
        let policy: JudgingPolicy
        do {
            policy = try SpecLoader.parsePolicy(try InputFile.read(policyFile, what: "the policy"), file: policyFile)
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        let batches = recording.events.filter { if case .observations = $0.body { true } else { false } }.count
        guard batches > 0 else {
            Console.error("error: \(path) holds no request observations (recorded before they were kept, or the run never reached its canary)")
            throw Exit.invalidInput
        }
        guard let report = WhatIf.run(recording, policy: policy) else {
            Console.error("error: \(path) has no canary to re-judge")
            throw Exit.invalidInput
        }
        say("recording  \(path)")
        for d in report.recorded {
            say(
                "recorded   \(EventLine.clock(d.t))  \(d.kind.rawValue) at step \(d.step + 1) after \(d.candidateRequests) candidate requests: \(d.reason)"
            )
        }
        if let a = report.alternative {
            say(
                "what-if    \(EventLine.clock(a.t))  \(a.kind.rawValue) at step \(a.step + 1) after \(a.candidateRequests) candidate requests (\(report.judge) judge): \(a.reason)"
            )
        }
        say("verdict    \(report.judge) judge \(report.summary)")
        if let unfinished = recording.unfinished { say("note       \(unfinished)") }
    }
}
