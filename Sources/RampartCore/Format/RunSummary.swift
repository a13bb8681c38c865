import Foundation

/// The closing block of a headless run: outcome, each stage with its state and duration, and
/// where the run file is. Derived from the events alone, so a replay prints the same summary.
public enum RunSummary {
    public static func lines(events: [RunEvent], runFile: String?) -> [String] {
        var order: [String] = []
        var state: [String: StageState] = [:]
        var started: [String: Double] = [:]
        var ended: [String: Double] = [:]
        var finished: RunFinished?
        var lastT = 0.0
        for e in events {
            lastT = e.t
            switch e.body {
            case .runStarted(let s):
                order = s.stages
                for stage in s.stages { state[stage] = .pending }
            case .stage(let c):
                if !order.contains(c.stage) { order.append(c.stage) }
                state[c.stage] = c.state
                if c.state == .running, started[c.stage] == nil { started[c.stage] = e.t }
                if [.passed, .failed, .skipped].contains(c.state) { ended[c.stage] = e.t }
            case .finished(let f):
                finished = f
            default:
                break
            }
        }
        var out: [String] = []
        let outcome = finished?.outcome.rawValue.uppercased() ?? "DID NOT FINISH"
        out.append("outcome: \(outcome)" + (finished.map { " (exit \($0.outcome.exitCode)) — \($0.reason)" } ?? ""))
        for stage in order {
            let s = state[stage] ?? .pending
            var duration = ""
            if let start = started[stage] {
                duration = "  " + DurationText.format((ended[stage] ?? lastT) - start)
            }
            out.append("  \(stage.padding(toLength: 28, withPad: " ", startingAt: 0)) \(s.rawValue)\(duration)")
        }
        out.append("duration: \(DurationText.format(lastT)) (engine clock)")
        if let runFile { out.append("run file: \(runFile)") }
        return out.map(TerminalText.sanitize)
    }
}
