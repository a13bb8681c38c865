/// The canary's live view of both arms: cumulative within the current step, plus a sliding
/// window of recent seconds for trends. Pure and single-threaded; the engine feeds it the
/// observations the data plane collected since the last tick.
public struct LiveMetrics: Sendable {
    public private(set) var step = 0
    /// Requests the candidate has served over the whole canary: the blast radius so far.
    public private(set) var candidateTotal = 0
    /// Every observation ever recorded, all steps and both arms.
    public private(set) var observed = 0
    private var arms: [ArmAccumulator] = [.init(), .init()]
    /// Per-bucket accumulators, oldest first; each covers `bucketSeconds`.
    private var buckets: [(start: Double, arms: [ArmAccumulator])] = []
    public let bucketSeconds: Double
    public let windowSeconds: Double

    public init(bucketSeconds: Double = 5, windowSeconds: Double = 30) {
        self.bucketSeconds = bucketSeconds
        self.windowSeconds = max(windowSeconds, bucketSeconds)
    }

    /// A new step compares the arms afresh: earlier requests ran at another weight.
    public mutating func startStep(_ index: Int) {
        step = index
        arms = [.init(), .init()]
    }

    public mutating func record(_ o: Observation, at t: Double) {
        observed += 1
        let i = o.variant == .baseline ? 0 : 1
        arms[i].record(o)
        if o.variant == .candidate && !o.isClientError { candidateTotal += 1 }
        let start = (t / bucketSeconds).rounded(.down) * bucketSeconds
        if buckets.last?.start != start {
            buckets.append((start, [.coarse(), .coarse()]))
            let oldest = start - windowSeconds + bucketSeconds
            buckets.removeAll { $0.start < oldest - 1e-9 }
        }
        buckets[buckets.count - 1].arms[i].record(o)
    }

    public func arm(_ v: Variant) -> ArmMetrics { arms[v == .baseline ? 0 : 1].metrics() }

    /// The last `windowSeconds` up to `t`, both arms, whatever the step.
    public func recent(_ v: Variant, at t: Double) -> ArmMetrics {
        let i = v == .baseline ? 0 : 1
        var merged = ArmAccumulator.coarse()
        for b in buckets where b.start > t - windowSeconds - 1e-9 { merged.add(b.arms[i]) }
        return merged.metrics()
    }

    public func snapshot(weight: Double, at t: Double) -> MetricsSnapshot {
        var s = MetricsSnapshot(step: step, weight: weight, baseline: arm(.baseline), candidate: arm(.candidate), candidateTotal: candidateTotal)
        s.recentBaseline = recent(.baseline, at: t)
        s.recentCandidate = recent(.candidate, at: t)
        return s
    }
}
