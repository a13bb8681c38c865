import Foundation

/// The closing block of a headless run: outcome, each stage with its state and duration, and
/// where the run file is. Derived from the events alone, so a replay prints the same summary.
public enum RunSummary {
    /// `rollback`: the promotion was taken back after the run ended (from the dashboard, or
    /// recorded in the run file being replayed).
    public static func lines(events: [RunEvent], runFile: String?, rollback: PromotionRollbackRecord? = nil) -> [String] {
        lines(RunState(events: events), runFile: runFile, rollback: rollback)
    }

    public static func lines(_ run: RunState, runFile: String?, rollback: PromotionRollbackRecord? = nil) -> [String] {
        var out: [String] = []
        let outcome = run.finished?.outcome.rawValue.uppercased() ?? "DID NOT FINISH"
        let exit = rollback != nil ? "" : (run.finished.map { " (exit \($0.outcome.exitCode))" } ?? "")
        out.append("outcome: \(outcome)" + exit + (run.finished.map { " — \($0.reason)" } ?? ""))
        if let rollback {
            out.append("then: ROLLED BACK (exit \(RunOutcome.rolledBack.exitCode)) — \(rollback.summary)")
        }
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
