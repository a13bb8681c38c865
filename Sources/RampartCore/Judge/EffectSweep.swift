import Foundation

/// The effect sizes `rampart simulate --sweep METRIC` runs: from none to three times the
/// metric's margin, so each judge's operating characteristic (how often it rolls back, promotes
/// or gives up, and what that costs in requests) can be read across the margin rather than at
/// one hand-picked effect.
public enum EffectSweep {
    public struct Point: Sendable, Equatable {
        /// The effect as a multiple of the margin (0 is an A/A canary).
        public var multiple: Double
        /// Nil at 0: the candidate is the baseline.
        public var effect: SimulationEffect?
    }

    /// Nil when the metric has no margin to sweep (a `max`/`min` limit only, critical events,
    /// latency with an absolute increase), with the reason.
    public static func points(for check: MetricCheck, count: Int) -> Result<[Point], SweepError> {
        guard count >= 2 else { return .failure(SweepError(message: "--points must be at least 2")) }
        let multiples = (0..<count).map { 3 * Double($0) / Double(count - 1) }
        func change(_ k: Double) -> SimulationEffect.Change? {
            switch check.metric {
            case .latencyP50, .latencyP95:
                return check.maxRatio.map { .init(target: .latency, amount: ($0 - 1) * k) }
            case .tokensPerRequest, .costPerRequest:
                return check.maxRatio.map { .init(target: .tokens, amount: ($0 - 1) * k) }
            case .errorRate:
                if let d = check.maxIncrease { return .init(target: .errorRate, amount: d * k) }
                return check.maxRatio.map { .init(target: .errorRate, amount: 1 + ($0 - 1) * k, multiplies: true) }
            case .quality:
                return check.maxDecrease.map { .init(target: .quality, amount: $0 * k) }
            case .criticalEvents:
                return nil
            }
        }
        guard change(1) != nil else {
            return .failure(
                SweepError(
                    message:
                        "\(check.metric.rawValue) has no margin to sweep (a max_ratio, max_increase or max_decrease; latency and tokens take max_ratio)"
                ))
        }
        return .success(multiples.map { k in Point(multiple: k, effect: k == 0 ? nil : change(k).map { SimulationEffect(changes: [$0]) }) })
    }

    public struct SweepError: Error, Equatable {
        public var message: String
    }

    /// A row of block characters for shares 0...1, one per point: a curve you can read in a log.
    public static func sparkline(_ shares: [Double]) -> String {
        let blocks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        return String(shares.map { s in blocks[min(7, max(0, Int((s * 7).rounded())))] })
    }
}
