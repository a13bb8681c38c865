/// Collects one arm's requests within a canary step and summarises them as `ArmMetrics`.
///
/// Latencies are kept whole for exact percentiles; a step holds thousands of requests, not
/// millions. (A bounded HDR histogram replaces this when the data plane carries real traffic.)
public struct ArmAccumulator: Sendable, Equatable {
    public private(set) var requests = 0
    public private(set) var errors = 0
    private var latencies: [Double] = []
    private var tokens = 0
    private var cost = 0.0
    private var qualitySum = 0.0
    private var qualityCount = 0

    public init() {}

    public mutating func record(latencyMs: Double, failed: Bool, tokens: Int, cost: Double, quality: Double?) {
        requests += 1
        latencies.append(latencyMs)
        if failed {
            errors += 1
            return
        }
        self.tokens += tokens
        self.cost += cost
        if let quality {
            qualitySum += quality
            qualityCount += 1
        }
    }

    public var metrics: ArmMetrics {
        let ok = requests - errors
        let sorted = latencies.sorted()
        return ArmMetrics(
            requests: requests, errors: errors,
            latencyP50: ArmAccumulator.percentile(sorted, 0.50), latencyP95: ArmAccumulator.percentile(sorted, 0.95),
            errorRate: requests == 0 ? nil : Double(errors) / Double(requests),
            tokensPerRequest: ok == 0 ? nil : Double(tokens) / Double(ok),
            costPerRequest: ok == 0 ? nil : cost / Double(ok),
            quality: qualityCount == 0 ? nil : qualitySum / Double(qualityCount))
    }

    /// Nearest-rank percentile of an ascending array; `nil` when empty.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
