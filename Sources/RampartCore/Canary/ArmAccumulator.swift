/// Collects one arm's requests within a canary step and summarises them as `ArmMetrics`.
///
/// Latencies are kept whole for exact percentiles; a step holds thousands of requests, not
/// millions. New latencies wait unsorted and are merged into the sorted run at each snapshot, so
/// frequent snapshots cost O(n) each rather than a full sort. (A bounded HDR histogram replaces
/// this when the data plane carries real traffic.)
public struct ArmAccumulator: Sendable, Equatable {
    public private(set) var requests = 0
    public private(set) var errors = 0
    private var sorted: [Double] = []
    private var pending: [Double] = []
    private var tokens = 0
    private var cost = 0.0
    private var qualitySum = 0.0
    private var qualityCount = 0

    public init() {}

    public mutating func record(latencyMs: Double, failed: Bool, tokens: Int, cost: Double, quality: Double?) {
        requests += 1
        pending.append(latencyMs)
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

    /// Summarises the arm; mutating only to fold new latencies into the sorted run.
    public mutating func metrics() -> ArmMetrics {
        if !pending.isEmpty {
            sorted = ArmAccumulator.merge(sorted, pending.sorted())
            pending.removeAll(keepingCapacity: true)
        }
        let ok = requests - errors
        return ArmMetrics(
            requests: requests, errors: errors,
            latencyP50: ArmAccumulator.percentile(sorted, 0.50), latencyP95: ArmAccumulator.percentile(sorted, 0.95),
            errorRate: requests == 0 ? nil : Double(errors) / Double(requests),
            tokensPerRequest: ok == 0 ? nil : Double(tokens) / Double(ok),
            costPerRequest: ok == 0 ? nil : cost / Double(ok),
            quality: qualityCount == 0 ? nil : qualitySum / Double(qualityCount))
    }

    static func merge(_ a: [Double], _ b: [Double]) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(a.count + b.count)
        var i = 0, j = 0
        while i < a.count && j < b.count {
            if a[i] <= b[j] { out.append(a[i]); i += 1 } else { out.append(b[j]); j += 1 }
        }
        out += a[i...]
        out += b[j...]
        return out
    }

    /// Nearest-rank percentile of an ascending array; `nil` when empty.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
