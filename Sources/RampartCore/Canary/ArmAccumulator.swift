import Histogram

/// Collects one arm's requests and summarises them as `ArmMetrics`, in bounded memory.
///
/// Latency is counted in an HDR histogram's buckets (microseconds, three significant digits, up
/// to ten minutes): percentiles within 0.1 % of exact, memory bounded by the bucket count
/// however long the step runs, and accumulators add, so windows merge cheaply. Only the
/// buckets that hold something are kept (see `LatencyBuckets`); the empty histogram `layout`
/// says where bucket boundaries fall, and the answers are the library's own.
public struct ArmAccumulator: Sendable {
    public private(set) var requests = 0
    public private(set) var errors = 0
    /// An empty histogram, shared by every accumulator of its precision: the bucket boundaries.
    private var layout = ArmAccumulator.fineLayout
    private var buckets = LatencyBuckets()
    /// The lowest and highest latency recorded, in microseconds, as the histogram keeps them.
    private var minMicros = UInt64.max
    private var maxMicros: UInt64 = 0
    private var tokens = 0
    private var cost = 0.0
    private var qualitySum = 0.0
    private var qualityCount = 0
    private var critical = 0
    /// Mirrored prompts (baseline arm) and what the candidate's shadow answers cost.
    private var mirrored = 0
    private var mirrorCost = 0.0

    /// Ten minutes in microseconds: anything slower is recorded as ten minutes.
    static let ceilingMicros: UInt64 = 600_000_000

    static func emptyHistogram(_ digits: SignificantDigits = .three) -> Histogram<UInt32> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: ceilingMicros, numberOfSignificantValueDigits: digits)
    }

    static let fineLayout = emptyHistogram(.three)
    static let coarseLayout = emptyHistogram(.two)

    public init() {}

    /// A coarser accumulator (1 % percentiles, fewer buckets) for the many small buckets of a
    /// time series.
    public static func coarse() -> ArmAccumulator {
        var a = ArmAccumulator()
        a.layout = coarseLayout
        return a
    }

    public mutating func record(_ o: Observation) {
        guard !o.isClientError else { return }
        if o.critical { critical += 1 }
        if let shadow = o.shadow {
            mirrored += 1
            if shadow.cost.isFinite && shadow.cost > 0 { mirrorCost += shadow.cost }
        }
        record(latencyMs: o.latencyMs, failed: o.failed, tokens: o.promptTokens + o.completionTokens, cost: o.cost, quality: o.quality)
    }

    public mutating func record(latencyMs: Double, failed: Bool, tokens: Int, cost: Double, quality: Double?) {
        requests += 1
        let micros = UInt64(max(1, min(latencyMs * 1000, Double(ArmAccumulator.ceilingMicros))).rounded())
        // 1 µs to the ceiling: always within the histogram's range.
        buckets.add(low: layout.lowestEquivalentForValue(micros))
        minMicros = min(minMicros, micros)
        maxMicros = max(maxMicros, micros)
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

    /// Folds another accumulator in (windows merge into a recent view).
    public mutating func add(_ other: ArmAccumulator) {
        requests += other.requests
        errors += other.errors
        // Folded accumulators share a precision (as the histogram library requires).
        precondition(layout.numberOfSignificantValueDigits == other.layout.numberOfSignificantValueDigits)
        buckets.merge(other.buckets)
        minMicros = min(minMicros, other.minMicros)
        maxMicros = max(maxMicros, other.maxMicros)
        tokens += other.tokens
        cost += other.cost
        qualitySum += other.qualitySum
        qualityCount += other.qualityCount
        critical += other.critical
        mirrored += other.mirrored
        mirrorCost += other.mirrorCost
    }

    /// Latency at quantile `q` (0...1) in milliseconds; nil with no requests.
    public func latency(at q: Double) -> Double? {
        latencies(at: [q])[0]
    }

    /// Latencies at several quantiles (0...1, ascending) in milliseconds, in one walk of the
    /// nonzero buckets; nils with no requests.
    public func latencies(at qs: [Double]) -> [Double?] {
        guard requests > 0 else { return qs.map { _ in nil } }
        return values(atPercentiles: qs.map { $0 * 100 }).map { Double($0) / 1000 }
    }

    /// `Histogram.valueAtPercentile` for each of `percentiles` (ascending), computed as it does:
    /// the same count at each percentile, the same bucket, the same value.
    private func values(atPercentiles percentiles: [Double]) -> [UInt64] {
        // Every request's latency is counted once.
        let total = UInt64(requests)
        let low = minMicros, high = maxMicros
        var out = [UInt64](repeating: 0, count: percentiles.count)
        var targets: [(index: Int, count: UInt64)] = []
        for (k, p) in percentiles.enumerated() {
            if p == 0 {
                out[k] = low
            } else if p >= 100 {
                out[k] = high
            } else {
                let requested = Swift.min(Swift.max(p.nextDown, 0), 100)
                let fpCount = requested * Double(total) / 100
                targets.append((k, Swift.max(1, UInt64(fpCount.rounded(.up)))))
            }
        }
        guard !targets.isEmpty else { return out }
        targets.sort { $0.count < $1.count }
        for (target, bucket) in zip(targets, buckets.lows(reaching: targets.map(\.count))) {
            out[target.index] = Swift.max(Swift.min(layout.highestEquivalentForValue(bucket), high), low)
        }
        return out
    }

    /// Share of requests slower than `ms` (to the histogram's precision); nil with none.
    public func fractionAbove(_ ms: Double) -> Double? {
        guard requests > 0 else { return nil }
        let micros = UInt64(max(1, min(ms * 1000, Double(ArmAccumulator.ceilingMicros))))
        let atOrBelow = buckets.count(atOrBelow: layout.lowestEquivalentForValue(micros))
        return Double(UInt64(requests) - atOrBelow) / Double(requests)
    }

    public func metrics() -> ArmMetrics {
        let ok = requests - errors
        let tail = latencies(at: [0.50, 0.95, 0.99])
        var m = ArmMetrics(
            requests: requests, errors: errors,
            latencyP50: tail[0], latencyP95: tail[1], latencyP99: tail[2],
            errorRate: requests == 0 ? nil : Double(errors) / Double(requests),
            tokensPerRequest: ok == 0 ? nil : Double(tokens) / Double(ok),
            costPerRequest: ok == 0 ? nil : cost / Double(ok),
            quality: qualityCount == 0 ? nil : qualitySum / Double(qualityCount),
            qualitySamples: qualityCount, criticalEvents: critical)
        if mirrored > 0 {
            m.mirrored = mirrored
            m.mirrorCost = mirrorCost
        }
        return m
    }

    /// Nearest-rank percentile of an ascending array; `nil` when empty. The exact reference the
    /// histogram is tested against.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((q * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
