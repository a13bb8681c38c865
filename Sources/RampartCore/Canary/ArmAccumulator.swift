import Histogram

/// Collects one arm's requests and summarises them as `ArmMetrics`, in bounded memory.
///
/// Latency goes into an HDR histogram (microseconds, three significant digits, up to ten
/// minutes): percentiles within 0.1 % of exact at a fixed few kilobytes however long the step
/// runs, and histograms add, so windows merge cheaply.
public struct ArmAccumulator: Sendable {
    public private(set) var requests = 0
    public private(set) var errors = 0
    private var latency = ArmAccumulator.emptyHistogram()
    /// `latency`'s nonzero buckets, for its percentiles (see `LatencyBuckets`).
    private var buckets = LatencyBuckets()
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

    public init() {}

    /// A coarser accumulator (1 % percentiles, about a tenth of the memory) for the many small
    /// buckets of a time series.
    public static func coarse() -> ArmAccumulator {
        var a = ArmAccumulator()
        a.latency = emptyHistogram(.two)
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
        if latency.record(micros) { buckets.add(low: latency.lowestEquivalentForValue(micros)) }
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
        // The same bucket boundaries on both sides: the histogram library traps otherwise.
        latency.add(other.latency)
        buckets.merge(other.buckets)
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
    /// histogram; nils with no requests.
    public func latencies(at qs: [Double]) -> [Double?] {
        guard latency.totalCount > 0 else { return qs.map { _ in nil } }
        return Self.values(latency, buckets: buckets, atPercentiles: qs.map { $0 * 100 }).map { Double($0) / 1000 }
    }

    /// `Histogram.valueAtPercentile` for each of `percentiles` (ascending), from the histogram's
    /// nonzero buckets: the same count at each percentile, the same bucket, the same value.
    static func values(_ h: Histogram<UInt32>, buckets: LatencyBuckets, atPercentiles percentiles: [Double]) -> [UInt64] {
        let total = h.totalCount
        let low = h.min, high = h.maxRecorded
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
            out[target.index] = Swift.max(Swift.min(h.highestEquivalentForValue(bucket), high), low)
        }
        return out
    }

    /// Share of requests slower than `ms` (to the histogram's precision); nil with none.
    public func fractionAbove(_ ms: Double) -> Double? {
        guard latency.totalCount > 0 else { return nil }
        let micros = UInt64(max(1, min(ms * 1000, Double(ArmAccumulator.ceilingMicros))))
        let atOrBelow = buckets.count(atOrBelow: latency.lowestEquivalentForValue(micros))
        return Double(latency.totalCount - atOrBelow) / Double(latency.totalCount)
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
