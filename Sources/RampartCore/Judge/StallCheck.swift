import Foundation

/// Whether a step can still reach a decision in the time it has left: a guardrail the judge
/// still waits for, whose evidence would take longer than that at the current traffic if the
/// estimate holds (or could never come), stalls the step. Said early, so a canary that cannot
/// decide does not sit at its weight until the step's limit, serving requests for nothing.
public enum StallCheck {
    public struct Stall: Sendable, Equatable {
        /// The metrics that cannot decide in time, with what they would need.
        public var metrics: [CanaryMetric]
        public var reason: String
        /// Every stalled metric's estimate is inside its margin (better than it, not proven).
        public var withinMargin: Bool
    }

    /// `secondsLeft`: active time before the step's limit. Only metrics the step waits for
    /// count: guardrails, and success metrics with a requirement.
    public static func assess(_ analysis: CanaryAnalysis, checks: [MetricCheck], secondsLeft: Double) -> Stall? {
        guard analysis.decision == .continue, analysis.ready != true else { return nil }
        var stalled: [(CanaryMetric, String, Bool)] = []
        for r in analysis.results where r.status == .undecided {
            guard let e = r.evidence, let check = checks.first(where: { $0.metric == r.metric }) else { continue }
            let role = check.effectiveRole
            guard role == .guardrail || (role == .success && (check.require ?? .nonInferior) != .none) else { continue }
            if let eta = e.eta, eta <= secondsLeft { continue }
            let need = e.eta.map { "~\(DurationText.format($0.rounded(.up))) more" } ?? "more than this weight's traffic can give"
            stalled.append((r.metric, "\(r.metric.rawValue) (\(need))", e.estimate < e.margin))
        }
        guard !stalled.isEmpty else { return nil }
        return Stall(
            metrics: stalled.map(\.0),
            reason:
                "no decision possible before the step's limit (\(DurationText.format(secondsLeft.rounded(.down))) left) at this weight: "
                + stalled.map(\.1).joined(separator: ", "),
            withinMargin: stalled.allSatisfy(\.2))
    }
}
