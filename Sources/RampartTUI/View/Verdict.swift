import Foundation
import RampartCore

/// The one line that answers "promoting, holding or rolling back, and why".
enum VerdictLine {
    static func make(_ s: DashboardState) -> (Palette.Verdict, String) {
        if let f = s.finished {
            switch f.outcome {
            case .promoted:
                switch s.promotionUndo {
                case .done(let text): return (.rollback, "ROLLED BACK AFTER PROMOTION · \(text)")
                case .pending: return (.hold, "ROLLING BACK THE PROMOTION · waiting for the router")
                case .failed(let text): return (.rollback, "PROMOTED · ROLLBACK OF THE PROMOTION FAILED: \(text)")
                case .available, .unavailable: return (.promote, "PROMOTED · \(f.reason)")
                }
            case .rolledBack: return (.rollback, "ROLLED BACK · \(f.reason)")
            case .blocked: return (.rollback, "BLOCKED · \(f.reason)")
            case .inconclusive: return (.hold, "INCONCLUSIVE · \(f.reason)")
            case .aborted: return (.hold, "ABORTED · \(f.reason)")
            }
        }
        if let p = s.pending { return (.hold, "WAITING FOR THE ENGINE · \(p)") }
        if s.canaryLive, let step = s.currentStep {
            let position = "step \(step + 1)/\(max(s.stepCount, step + 1)) at \(MetricFormat.percent(s.weight))"
            if s.paused {
                let by = s.stageReasons[StageName.canary] ?? "paused"
                return (.hold, "PAUSED · \(position) · \(by); bake clock stopped, automatic rollback armed")
            }
            guard let a = s.analysis else { return (.neutral, "STARTING · \(position) · first analysis pending") }
            let breaches = a.results.filter { $0.status == .breach }
            if !breaches.isEmpty { return (.rollback, "ROLLING BACK · \(breaches.map { $0.metric.rawValue }.joined(separator: ", ")) breached") }
            let watching = a.results.filter { $0.status == .watching }
            if !watching.isEmpty {
                let what = watching.map { "\($0.metric.rawValue) \(describe($0)) (\($0.consecutiveFailures) in a row)" }.joined(separator: ", ")
                return (.hold, "HOLDING · \(position) · \(what)")
            }
            if a.results.allSatisfy({ $0.status == .noData })
                || a.results.contains(where: { $0.status == .noData }) && a.reason.hasPrefix("gathering")
            {
                let detail = a.reason.replacingOccurrences(of: "gathering data (", with: "").dropLast()
                return (.neutral, "GATHERING DATA · \(position) · \(detail)")
            }
            // A statistical judge that is not yet ready is gathering evidence, not promoting.
            let undecided = a.results.filter { $0.status == .undecided }
            if a.ready == false && !undecided.isEmpty {
                let etas = undecided.compactMap { $0.evidence?.eta }
                let eta = etas.max().map { " · decision in ~\(Widgets.clock($0))" } ?? ""
                return (
                    .neutral,
                    "GATHERING EVIDENCE · \(position) · no harm shown; awaiting \(undecided.map { $0.metric.rawValue }.joined(separator: ", "))\(eta)"
                )
            }
            let next = s.eta.map { $0.step > 0 ? "next step in ~\(Widgets.clock($0.step))" : "advancing when requests suffice" } ?? ""
            let last = step + 1 >= s.stepCount ? "promotion" : "next step"
            let within = a.judge == "sequential" ? "all \(a.results.count) within margins" : "all \(a.results.count) metrics within limits"
            return (.promote, "PROMOTING · \(position) · \(within) · \(next.replacingOccurrences(of: "next step", with: last))")
        }
        if let running = s.stages.first(where: { s.stageStates[$0] == .running }) {
            if running.hasPrefix("gate:") {
                let gates = s.stages.filter { $0.hasPrefix("gate:") }
                let index = (gates.firstIndex(of: running) ?? 0) + 1
                return (.neutral, "GATES · scoring \(running.dropFirst(5)) (\(index)/\(gates.count))")
            }
            return (.neutral, "\(running.uppercased()) · running")
        }
        return (.neutral, s.pipeline.isEmpty ? "WAITING FOR THE ENGINE" : "STARTING")
    }

    static func describe(_ r: MetricResult) -> String {
        guard let c = r.candidate, let l = r.limit else { return "" }
        let op = r.metric.higherIsWorse ? ">" : "<"
        return "\(MetricFormat.value(r.metric, c)) \(op) \(MetricFormat.value(r.metric, l))"
    }
}
