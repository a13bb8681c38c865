import Foundation

/// Spinnaker Kayenta's NetflixACAJudge, faithful to its documented semantics, for users who want
/// it and for comparison with the sequential judge.
///
/// Each metric is a time series of bucket aggregates per arm (bucket p50/p95 for latency, the
/// bucket's rate or mean otherwise), over the current step. At each analysis interval: the
/// Mann-Whitney / Hodges-Lehmann 98% interval of the shift, a tolerance band of 25% of the
/// estimate, the mean-ratio effect size; High / Low / Pass per metric; the score 100·pass/judged;
/// an intermediate score below `marginal` fails (rollback), at or above `pass` is ready.
///
/// Deviation, as Kayenta's own warm-up (`beginAfterMins`) would do: until each arm has three
/// buckets with data, the step is gathering rather than failed for missing data.
public struct KayentaJudge: CanaryJudge {
    public var name: String { "kayenta" }
    public var looksContinuously: Bool { false }

    public static let confidence = 0.98
    public static let tolerance = 0.25
    public static let minBuckets = 3

    public enum Classification: String, Sendable { case high = "High", low = "Low", pass = "Pass", noData = "Nodata" }

    private let checks: [MetricCheck]
    private let policy: JudgePolicy
    private var stepStart = 0.0
    /// Bucket index → per-arm accumulators.
    private var buckets: [Int: [ArmAccumulator]] = [:]
    /// Buckets below this index are closed (time has passed their end) and their values are in
    /// `closed`: an analysis computes each bucket's aggregates once, not at every look, so a
    /// step's analyses cost what its new buckets cost.
    private var closedBelow = 0
    /// Per check, per arm: the closed buckets' values in time order (missing values dropped).
    private var closed: [[[Double]]] = []
    /// Buckets at or above `closedBelow` that hold observations.
    private var open: Set<Int> = []
    private var critical = 0

    public init(spec: CanarySpec) {
        checks = spec.metrics.filter { $0.effectiveRole != .critical }
        policy = spec.judge
    }

    public mutating func startStep(_ index: Int, weight: Double, at t: Double) {
        stepStart = t
        buckets = [:]
        reopen()
    }

    /// The bucket `t` falls in; `allowance` counts a time a hair before a bucket's end as past it.
    private func bucket(_ t: Double, allowance: Double = 0) -> Int {
        Int(saturating: ((t - stepStart) / policy.bucket + allowance).rounded(.down))
    }

    public mutating func observe(_ o: Observation, weight: Double, at t: Double) {
        if o.critical && o.variant == .candidate { critical += 1 }
        let b = bucket(t)
        buckets[b, default: [.coarse(), .coarse()]][o.variant == .baseline ? 0 : 1].record(o)
        // An observation for a closed bucket (out of time order) changes its values: recompute.
        if b < closedBelow { reopen() } else { open.insert(b) }
    }

    /// Forgets the closed buckets' values: every bucket is open again.
    private mutating func reopen() {
        closedBelow = 0
        closed = checks.map { _ in [[], []] }
        open = Set(buckets.keys)
    }

    /// Closes the buckets that ended before `t`, strictly: a bucket that the analysis counts as
    /// complete only by its 1e-9 rounding allowance can still receive observations at `t`, so it
    /// stays open and is computed afresh.
    private mutating func close(before t: Double) {
        let ended = bucket(t)
        guard ended > closedBelow else { return }
        for b in open.filter({ $0 < ended }).sorted() {
            open.remove(b)
            guard let arms = buckets[b] else { continue }
            for arm in 0..<2 {
                let m = arms[arm].metrics()
                for (i, check) in checks.enumerated() { if let v = m.value(check.metric) { closed[i][arm].append(v) } }
            }
        }
        closedBelow = ended
    }

    /// Per check, both arms' complete buckets' values in time order; NaN-free ("remove"). The
    /// complete buckets still open are computed once per arm, not once per check.
    func series(before complete: Int) -> [([Double], [Double])] {
        let recent = open.filter { $0 < complete }.sorted().compactMap { buckets[$0] }.map { [$0[0].metrics(), $0[1].metrics()] }
        return checks.indices.map { i in
            let metric = checks[i].metric
            let arm = { (a: Int) in closed[i][a] + recent.compactMap { $0[a].value(metric) } }
            return (arm(0), arm(1))
        }
    }

    /// NetflixACAJudge's per-metric classification.
    public static func classify(
        control x: [Double], experiment y: [Double], higherIsWorse: Bool, allowedIncrease: Double = 1, allowedDecrease: Double = 1
    )
        -> (Classification, MannWhitney.Shift?, Double)
    {
        guard !x.isEmpty, !y.isEmpty else { return (.noData, nil, .nan) }
        if x.sorted() == y.sorted() || Set(x + y).count == 1 { return (.pass, nil, 1) }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        let effect = mx == 0 || my == 0 ? Double.nan : my / mx
        var xs = x, ys = y
        if Set(x).count == 1 && Set(y).count == 1 {
            // Kayenta adds tiny noise to two constant series; a fixed relative nudge keeps it reproducible.
            xs = x.enumerated().map { $1 * (1 + 1e-5 * (Double($0 % 7) - 3)) }
            ys = y.enumerated().map { $1 * (1 + 1e-5 * (Double($0 % 5) - 2)) }
        }
        guard let shift = MannWhitney.shift(ys, xs, confidence: confidence) else { return (.pass, nil, effect) }
        let band = tolerance * abs(shift.estimate)
        if higherIsWorse && shift.lower > band && (effect.isNaN || effect >= allowedIncrease) { return (.high, shift, effect) }
        if !higherIsWorse && shift.upper < -band && (effect.isNaN || effect <= allowedDecrease) { return (.low, shift, effect) }
        return (.pass, shift, effect)
    }

    public mutating func analyze(step: Int, at t: Double, baseline: ArmMetrics, candidate: ArmMetrics) -> CanaryAnalysis {
        // A look back in time (never in a run) would need buckets already closed: recompute.
        let complete = bucket(t, allowance: 1e-9)
        if closed.count != checks.count || complete < closedBelow { reopen() }
        close(before: t)
        return judge(
            step: step, series: series(before: complete), shown: checks.map { (baseline.value($0.metric), candidate.value($0.metric)) },
            critical: critical,
            source: nil)
    }

    /// Kayenta as it is usually deployed: the series are what range queries over the step
    /// returned, one point per resolution step; shown values are the series' means.
    public mutating func analyze(step: Int, at t: Double, readings r: MetricReadings) -> CanaryAnalysis {
        let series = checks.map { c in r.reading(c.metric).map { ($0.baseline, $0.candidate) } ?? ([], []) }
        let shown = series.map { (MetricReadings.reduce($0.0, .mean), MetricReadings.reduce($0.1, .mean)) }
        let events = r.reading(.criticalEvents).flatMap { MetricReadings.reduce($0.candidate, .max) } ?? 0
        var a = judge(step: step, series: series, shown: shown, critical: Int(saturating: events.rounded(.up)), source: r.source)
        if a.decision == .continue && !r.errors.isEmpty {
            a.reason = "query failed: \(r.errorSummary ?? ""); " + a.reason
            a.ready = false
        }
        return a
    }

    /// One metric's Mann-Whitney classification, its result row, and what it says when it fails.
    static func classify(
        _ check: MetricCheck, control x: [Double], experiment y: [Double], shown: (Double?, Double?)
    ) -> (result: MetricResult, classification: Classification, failure: String?) {
        let mx = x.reduce(0, +) / Double(x.count)
        let allowedDown = check.maxDecrease.map { mx > 0 ? (mx - $0) / mx : 1 } ?? 1
        let (cls, shift, effect) = KayentaJudge.classify(
            control: x, experiment: y, higherIsWorse: check.metric.higherIsWorse, allowedIncrease: check.maxRatio ?? 1,
            allowedDecrease: allowedDown)
        let status: MetricResult.Status =
            switch cls {
            case .pass: .ok
            case .noData: .noData
            case .high, .low: .breach
            }
        let failure =
            cls == .high || cls == .low
            ? "\(check.metric.rawValue) \(cls.rawValue) (shift \(String(format: "%.4g", shift?.estimate ?? 0)), ratio \(String(format: "%.3f", effect)))"
            : nil
        let e = shift.map {
            MetricEvidence(
                scale: "mann-whitney", estimate: check.metric.higherIsWorse ? $0.estimate : -$0.estimate,
                lower: check.metric.higherIsWorse ? $0.lower : -$0.upper, upper: check.metric.higherIsWorse ? $0.upper : -$0.lower,
                margin: KayentaJudge.tolerance * abs($0.estimate), evidence: 0, boundary: 0, nBaseline: x.count, nCandidate: y.count, eta: nil,
                leaning: status == .breach ? "harm" : "safe")
        }
        let result = MetricResult(
            metric: check.metric, baseline: shown.0, candidate: shown.1, limit: nil, status: status, consecutiveFailures: 0, evidence: e)
        return (result, cls, failure)
    }

    private func judge(step: Int, series: [([Double], [Double])], shown: [(Double?, Double?)], critical: Int, source: String?) -> CanaryAnalysis {
        var results: [MetricResult] = []
        var counts: [Classification: Int] = [:]
        var failing: [String] = []
        var gathering = false
        for (i, check) in checks.enumerated() {
            let (x, y) = series[i]
            guard x.count >= KayentaJudge.minBuckets && y.count >= KayentaJudge.minBuckets else {
                gathering = true
                results.append(
                    MetricResult(
                        metric: check.metric, baseline: shown[i].0, candidate: shown[i].1, limit: nil, status: .noData, consecutiveFailures: 0))
                continue
            }
            let (result, cls, failure) = Self.classify(check, control: x, experiment: y, shown: shown[i])
            counts[cls, default: 0] += 1
            if let failure { failing.append(failure) }
            results.append(result)
        }
        if critical > 0 {
            return CanaryAnalysis(
                step: step, results: results, decision: .rollback, reason: "critical metric failed: \(critical) critical event(s); score 0",
                judge: name, ready: false, score: 0, source: source)
        }
        if gathering {
            let unit = source == nil ? "buckets of \(DurationText.format(policy.bucket))" : "points with data in each range series"
            return CanaryAnalysis(
                step: step, results: results, decision: .continue, reason: "gathering (need \(KayentaJudge.minBuckets) \(unit) per arm)", judge: name,
                ready: false, source: source)
        }
        let judged = (counts[.pass] ?? 0) + (counts[.high] ?? 0) + (counts[.low] ?? 0)
        let score = judged == 0 ? 100 : (100 * Double(counts[.pass] ?? 0) / Double(judged) * 100).rounded() / 100
        let detail = failing.isEmpty ? "" : ": " + failing.joined(separator: "; ")
        if score < policy.marginal {
            return CanaryAnalysis(
                step: step, results: results, decision: .rollback, reason: "score \(score) below marginal \(policy.marginal)\(detail)", judge: name,
                ready: false, score: score, source: source)
        }
        let ready = score >= policy.pass
        return CanaryAnalysis(
            step: step, results: results, decision: .continue,
            reason: ready ? "score \(score) ≥ pass \(policy.pass)" : "score \(score) marginal (pass \(policy.pass))\(detail)", judge: name,
            ready: ready, score: score, source: source)
    }
}
