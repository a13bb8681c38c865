import Foundation

/// The closing block of a headless run: outcome, each stage with its state and duration, and
/// where the run file is. Derived from the events alone, so a replay prints the same summary.
public enum RunSummary {
    public static func lines(events: [RunEvent], runFile: String?) -> [String] {
        lines(RunState(events: events), runFile: runFile)
    }

    public static func lines(_ run: RunState, runFile: String?) -> [String] {
        var out: [String] = []
        let outcome = run.finished?.outcome.rawValue.uppercased() ?? "DID NOT FINISH"
        out.append("outcome: \(outcome)" + (run.finished.map { " (exit \($0.outcome.exitCode)) — \($0.reason)" } ?? ""))
        for stage in run.stages {
            let state = run.stageStates[stage] ?? .pending
            let duration = run.duration(of: stage).map { "  " + DurationText.format($0) } ?? ""
            out.append("  \(stage.padding(toLength: 28, withPad: " ", startingAt: 0)) \(state.rawValue)\(duration)")
        }
        out.append("duration: \(DurationText.format(run.engineTime)) (engine clock)")
        if let runFile { out.append("run file: \(runFile)") }
        return out.map(TerminalText.sanitize)
    }
}
