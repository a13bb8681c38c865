import Foundation
import RampartCore

/// The terminal's (or tmux pane's) title: where the run stands, readable from a tab bar or a
/// tmux status line while the dashboard itself is out of sight. Pure; the terminal writes it.
public enum TerminalTitle {
    public static func text(_ s: DashboardState) -> String {
        let r = s.run
        var parts = [s.replay == nil ? "rampart" : "rampart replay"]
        if !r.pipeline.isEmpty { parts.append(r.pipeline) }
        parts.append(s.promotionUndo.isDone ? "PROMOTED, then ROLLED BACK" : phase(r))
        return TerminalText.sanitize(parts.joined(separator: " · "))
    }

    static func phase(_ r: RunState) -> String {
        if let f = r.finished { return f.outcome.rawValue.replacingOccurrences(of: "_", with: " ").uppercased() }
        if r.canaryLive {
            let step = r.currentStep.map { " step \($0 + 1)/\(max(r.stepCount, $0 + 1))" } ?? ""
            let at = "\(MetricFormat.percent(r.weight))\(step)"
            return r.paused ? "PAUSED at \(at), needs a decision" : "canary \(at)"
        }
        if r.stageStates[StageName.canary] == .failed { return "rolling back" }
        if let failed = r.stages.first(where: { r.stageStates[$0] == .failed }) { return "\(failed) failed" }
        // Between two stages, the one that ran last, so the title does not flicker.
        let latest = r.stages.enumerated().compactMap { i, stage in r.stageStarted[stage].map { (t: $0, i: i, stage: stage) } }
            .max { ($0.t, $0.i) < ($1.t, $1.i) }?.stage
        return r.stages.first { r.stageStates[$0] == .running } ?? latest ?? "starting"
    }
}
