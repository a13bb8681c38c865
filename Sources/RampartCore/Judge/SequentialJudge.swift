import Foundation

/// The default judge: a confidence sequence per metric, valid at every look, so it may decide
/// after any request.
///
/// Three zones per metric, two boundaries, each a one-sided test (a normal mixture over the
/// side it asks about: `ConfidenceSequence.oneSidedLogEvidence`):
/// - **Rollback** on evidence that some metric is worse than its *rollback tolerance* (a share
///   of its margin, `rollback_tolerance`, a third by default): each metric's e-value of harm
///   beyond its tolerance, and the mean of the K judged metrics' e-values reaching
///   1/`alpha_rollback` (see `blame`). A metric whose evidence is enough alone rolls back
///   exactly as Bonferroni's α/K would; two metrics leaning to harm together roll back sooner.
///   A confirmed critical event rolls back at once. A false rollback is one of a candidate no
///   worse than its tolerances on every metric.
/// - **Ready to advance** only on evidence of non-inferiority for every guardrail: the upper
///   bound on harm is below the margin, each at `alpha_promote` (an intersection test needs no
///   correction), plus what success metrics are required to show.
/// - **Keep watching** in between. With one boundary (tolerance = margin), a candidate near the
///   margin can reach neither and stalls at its weight; with the harm boundary inside the
///   margin, a candidate just past the margin is caught, and a plainly bad one sooner.
///
/// Evidence accumulates over the whole canary, but every comparison is between traffic served at
/// the same time: the arms are compared within each step (where the split is constant, so a
/// request's time says nothing about its version) and the steps' differences are then combined.
/// Pooling the steps would confound time with version, because the candidate's requests sit in
/// the later, heavier steps: an upstream incident, a diurnal rise or a slower shared dependency
/// late in the canary would look like the candidate's fault. Error counts from the count
/// martingale already condition on the share in force at each error. The sequences stay valid
/// across the steps' looks.
/// Scales: latency, tokens and cost as log ratios (skewed, so logs; a `max_ratio` margin is
/// ln ratio), rates and quality as differences, `max`/`min` limits as the candidate alone. With
/// `mirror`, quality is judged on pairs instead: the baseline's and the candidate's answers to
/// the same prompt, whose difference carries none of the spread between prompts, so the same
/// margin is settled on far fewer scored answers.
public struct SequentialJudge: CanaryJudge {
    public var name: String { "sequential" }
    public var looksContinuously: Bool { true }

    enum Scale: String { case logRatio = "log-ratio", difference, absolute, tail = "tail-share", paired = "paired-difference" }

    struct Track {
        let check: MetricCheck
        let scale: Scale
        /// Harm tolerated, on the scale: positive.
        let margin: Double
        /// For `absolute`: the limit, in harm units (harm = candidate − limit).
        let limit: Double
        let tau: Double
        /// The rollback boundary as a share of the margin (1 for limits, which have no margin).
        var tolerance = 1.0
        var arms = [RunningStats(), RunningStats()]
        /// Each step's `arms`: the strata the comparison is made within.
        var strata: [[RunningStats]] = []
        /// For the tail: each step's latency histograms per arm.
        var tailStrata: [[ArmAccumulator]] = []
        /// Error events as a count process, for a ratio margin on the error rate: valid across
        /// weight changes, and it needs only which arm each error came from.
        var counts: CountMartingale?
        /// For a latency percentile with a ratio margin: both arms' latency histograms.
        var histograms: [ArmAccumulator]?
        /// Answered requests per arm: a metric no request answered in one arm says nothing about
        /// that version, so it is never called non-inferior (100 % errors in both arms is "equal").
        var successes = [0, 0]
        /// For paired quality: baseline minus candidate score on each mirrored prompt.
        var pairs = RunningStats()
    }

    private var tracks: [Track] = []
    /// Index of the current step's stratum (one per `startStep`).
    private var stratum = -1
    private let policy: JudgePolicy
    private let minSamples: Int
    private var criticalEvents = 0
    private var stepStarted = 0.0
    private var stepCandidateRequests = 0
    /// Mirrored pairs this step, for the paired quality test's ETA.
    private var stepPairs = 0
    private var rollbackAlpha: Double
    /// The weight of the current step: the candidate's share when its errors are counted.
    private var weight = 0.0
    /// Counts a metrics backend reported for the current step, so each analysis adds the news.
    private var seen: [Variant: (requests: Int, errors: Int)] = [:]

    public init(spec: CanarySpec) {
        policy = spec.judge
        minSamples = max(spec.minSamples, 10)
        for check in spec.metrics where check.effectiveRole != .critical {
            let sign = check.metric.higherIsWorse
            if check.maxRatio != nil, check.metric == .latencyP95 {
                // A tail limit is about the tail: the share of candidate requests slower than
                // r × the baseline's p95 must stay within 5 %.
                tracks.append(Track(check: check, scale: .tail, margin: 0, limit: 0.05, tau: 0.02, histograms: [ArmAccumulator(), ArmAccumulator()]))
            } else if let r = check.maxRatio, [.latencyP50, .tokensPerRequest, .costPerRequest].contains(check.metric) {
                tracks.append(Track(check: check, scale: .logRatio, margin: Foundation.log(r), limit: 0, tau: Foundation.log(r)))
            } else if check.metric == .quality, let d = check.maxDecrease, spec.proxy.mirror > 0 {
                tracks.append(Track(check: check, scale: .paired, margin: d, limit: 0, tau: d))
            } else if let d = check.maxIncrease ?? check.maxDecrease {
                tracks.append(Track(check: check, scale: .difference, margin: d, limit: 0, tau: d))
            } else if let r = check.maxRatio {
                // Error rate with a ratio margin: tested as a difference against r − 1 times the
                // baseline's rate, re-estimated as data arrives.
                let t = check.rollbackTolerance ?? spec.judge.rollbackTolerance
                tracks.append(
                    Track(check: check, scale: .difference, margin: r - 1, limit: -1, tau: 0.01, counts: CountMartingale(theta0: 1 + t * (r - 1))))
            } else if let m = sign ? check.max : check.min {
                let harmLimit = sign ? m : -m
                tracks.append(Track(check: check, scale: .absolute, margin: 0, limit: harmLimit, tau: max(abs(m) * 0.1, 1e-9)))
            }
        }
        for i in tracks.indices where tracks[i].scale != .absolute {
            tracks[i].tolerance = tracks[i].check.rollbackTolerance ?? spec.judge.rollbackTolerance
        }
        rollbackAlpha = spec.judge.alphaRollback / Double(max(1, tracks.count))
    }

    /// The boundary at share `f` of a track's margin, on its scale: a ratio r becomes
    /// 1 + f·(r − 1), so the tolerance means the same share of the allowed increase on every scale.
    static func boundary(_ k: Track, _ margin: Double, share f: Double) -> Double {
        k.scale == .logRatio ? Foundation.log(1 + f * (Foundation.exp(margin) - 1)) : f * margin
    }

    public mutating func startStep(_ index: Int, weight: Double, at t: Double) {
        stepStarted = t
        stepCandidateRequests = 0
        stepPairs = 0
        self.weight = weight
        seen = [:]
        stratum += 1
        for i in tracks.indices {
            tracks[i].strata.append([RunningStats(), RunningStats()])
            if tracks[i].histograms != nil { tracks[i].tailStrata.append([ArmAccumulator(), ArmAccumulator()]) }
        }
    }

    /// Adds `count` values `x` to an arm, overall and in the current step's stratum (a judge fed
    /// before any `startStep` gets a stratum of its own).
    mutating func add(_ x: Double, count: Int = 1, arm: Int, track i: Int) {
        if stratum < 0 { startStep(0, weight: weight, at: stepStarted) }
        tracks[i].arms[arm].add(x, count: count)
        tracks[i].strata[stratum][arm].add(x, count: count)
    }

    /// The value an observation contributes to a metric, on the scale's raw footing (before
    /// any ratio), or nil when it says nothing about it.
    static func value(_ metric: CanaryMetric, _ o: Observation, log: Bool) -> Double? {
        if o.isClientError { return nil }
        func t(_ x: Double) -> Double { log ? Foundation.log(max(x, 1e-12)) : x }
        switch metric {
        case .latencyP50, .latencyP95: return t(o.latencyMs)
        case .errorRate: return o.failed ? 1 : 0
        case .tokensPerRequest: return o.failed ? nil : t(Double(o.promptTokens + o.completionTokens))
        case .costPerRequest: return o.failed ? nil : t(o.cost)
        case .quality: return o.failed ? nil : o.quality
        case .criticalEvents: return nil
        }
    }

    public mutating func observe(_ o: Observation, weight: Double, at t: Double) {
        if o.critical && o.variant == .candidate { criticalEvents += 1 }
        if o.variant == .candidate && !o.isClientError { stepCandidateRequests += 1 }
        let arm = o.variant == .baseline ? 0 : 1
        if !o.failed && !o.isClientError {
            for i in tracks.indices { tracks[i].successes[arm] += 1 }
        }
        for i in tracks.indices where o.failed {
            tracks[i].counts?.observe(fromCandidate: o.variant == .candidate, share: weight / 100)
        }
        for i in tracks.indices where tracks[i].histograms != nil && !o.isClientError {
            add(0, arm: arm, track: i)  // counts per arm
            tracks[i].histograms?[arm].record(o)
            tracks[i].tailStrata[stratum][arm].record(o)
        }
        if o.variant == .baseline, let d = o.shadow?.harm(baseline: o.quality) {
            stepPairs += 1
            for i in tracks.indices where tracks[i].scale == .paired { tracks[i].pairs.add(d) }
        }
        for i in tracks.indices where tracks[i].histograms == nil && tracks[i].scale != .paired {
            if let v = SequentialJudge.value(tracks[i].check.metric, o, log: tracks[i].scale == .logRatio) {
                add(v, arm: arm, track: i)
            }
        }
    }

    /// Harm estimate, its variance, and the boundary at share `f` of the margin (1: the
    /// promotion margin; the tolerance: the rollback boundary), for one metric now. Only a
    /// boundary's own test may take its variance there, so each side gets its own.
    func harm(_ k: Track, share f: Double = 1) -> (z: Double, v: Double, margin: Double)? {
        let b = k.arms[0], c = k.arms[1]
        let higherIsWorse = k.check.metric.higherIsWorse
        switch k.scale {
        case .tail:
            guard b.n >= minSamples, c.n >= minSamples, let maxRatio = k.check.maxRatio else { return nil }
            let r = 1 + f * (maxRatio - 1)
            // Within each step: the share of the candidate's requests slower than r × that step's
            // baseline p95 (enough baseline requests to place it), combined over the steps by
            // their candidate requests.
            var slower = 0.0, counted = 0
            for arms in k.tailStrata where arms[0].requests >= 20 && arms[1].requests > 0 {
                guard let q = arms[0].latency(at: 0.95), let share = arms[1].fractionAbove(q * r) else { continue }
                slower += share * Double(arms[1].requests)
                counted += arms[1].requests
            }
            guard counted >= minSamples else { return nil }
            let share = slower / Double(counted)
            // Tested against the boundary (5 % slower), so the variance is taken there too (a
            // score-type test): a short run of fast requests cannot fake certainty.
            let p = max(share, k.limit)
            return (share - k.limit, p * (1 - p) / Double(counted), 0)
        case .paired:
            // One difference per prompt, both answers given at the same moment: contemporaneous
            // by construction, so no strata are needed.
            let d = k.pairs
            guard d.n >= minSamples else { return nil }
            return (d.mean, max(d.variance, 1e-12) / Double(d.n), SequentialJudge.boundary(k, k.margin, share: f))
        case .absolute:
            guard c.n >= minSamples else { return nil }
            let z = (higherIsWorse ? c.mean : -c.mean) - k.limit
            return (z, max(c.variance, 1e-12) / Double(c.n), 0)
        case .logRatio, .difference:
            guard b.n >= minSamples, c.n >= minSamples else { return nil }
            var margin = SequentialJudge.boundary(k, k.margin, share: f)
            if k.limit == -1 { margin *= b.mean }  // ratio margin on a rate
            // Within each step, the difference of the arms' means; combined with the weights
            // n_b·n_c / (n_b + n_c) (Cochran-Mantel-Haenszel's), which do not depend on the
            // noisy variances, so a shift both arms share in a step cancels in it.
            var weightSum = 0.0, estimate = 0.0, variance = 0.0
            for arms in k.strata {
                let sb = arms[0], sc = arms[1]
                guard sb.n >= 2, sc.n >= 2 else { continue }
                var vb = sb.variance, vc = sc.variance
                if k.check.metric == .errorRate {
                    // Rates are tested against the boundary, where the candidate errs at the
                    // baseline's rate plus the margin; the variance is taken there (a score-type
                    // test, as Farrington-Manning's), so a lucky run of successes cannot fake
                    // certainty while errors are rare.
                    let pb = (sb.mean * Double(sb.n) + 0.5) / Double(sb.n + 1)
                    let pc = min(0.999, max(sc.mean, pb + margin))
                    vb = max(vb, pb * (1 - pb))
                    vc = max(vc, pc * (1 - pc))
                }
                let w = Double(sb.n) * Double(sc.n) / Double(sb.n + sc.n)
                let d = higherIsWorse ? sc.mean - sb.mean : sb.mean - sc.mean
                weightSum += w
                estimate += w * d
                variance += w * w * (vb / Double(sb.n) + vc / Double(sc.n))
            }
            guard weightSum > 0 else { return nil }
            return (estimate / weightSum, max(variance / (weightSum * weightSum), 1e-18), margin)
        }
    }

    /// From a metrics backend, the error rate only: a count of errors among requests is all a
    /// Bernoulli metric's statistics need, so each analysis adds the step's new errors and
    /// successes per arm, and the sequences are the same as if every request had been seen
    /// (the spec loader refuses metrics that need each request's value). A count that went down
    /// (a restarted exporter) adds nothing and re-bases.
    public mutating func analyze(step: Int, at t: Double, readings r: MetricReadings) -> CanaryAnalysis {
        for (variant, n, e) in [(Variant.baseline, r.baselineRequests, r.baselineErrors), (.candidate, r.candidateRequests, r.candidateErrors)] {
            guard let n, let e else { continue }
            let last = seen[variant] ?? (0, 0)
            let dn = n - last.requests, de = e - last.errors
            seen[variant] = (n, e)
            guard dn >= 0, de >= 0, de <= dn else { continue }
            let arm = variant == .baseline ? 0 : 1
            if variant == .candidate { stepCandidateRequests += dn }
            for i in tracks.indices where tracks[i].check.metric == .errorRate {
                tracks[i].successes[arm] += dn - de
                add(1, count: de, arm: arm, track: i)
                add(0, count: dn - de, arm: arm, track: i)
                if var counts = tracks[i].counts {
                    for _ in 0..<de { counts.observe(fromCandidate: variant == .candidate, share: weight / 100) }
                    tracks[i].counts = counts
                }
            }
        }
        if let events = r.reading(.criticalEvents).flatMap({ MetricReadings.reduce($0.candidate, .max) }), events > 0 {
            criticalEvents = max(criticalEvents, Int(saturating: events.rounded(.up)))
        }
        func shown(_ n: Int?, _ e: Int?) -> ArmMetrics {
            var m = ArmMetrics(requests: n ?? 0, errors: e ?? 0)
            if let n, let e, n > 0 { m.errorRate = Double(e) / Double(n) }
            return m
        }
        var a = analyze(
            step: step, at: t, baseline: shown(r.baselineRequests, r.baselineErrors), candidate: shown(r.candidateRequests, r.candidateErrors))
        a.source = r.source
        if a.decision == .continue, let failed = r.errorSummary {
            a.reason = "query failed: \(failed); " + a.reason
            a.ready = false
        }
        return a
    }

    public mutating func analyze(step: Int, at t: Double, baseline: ArmMetrics, candidate: ArmMetrics) -> CanaryAnalysis {
        var results: [MetricResult] = []
        var assessed: [Assessment] = []
        var pending: [String] = []
        let elapsed = max(t - stepStarted, 1e-9)
        let candidateRate = Double(stepCandidateRequests) / elapsed
        for k in tracks {
            let a = assess(
                k, shown: (baseline.value(k.check.metric), candidate.value(k.check.metric)),
                candidateRate: k.scale == .paired ? Double(stepPairs) / elapsed : candidateRate)
            assessed.append(a)
            results.append(a.result)
            if let wait = a.pending { pending.append(wait) }
        }
        let blamed = SequentialJudge.blame(assessed.map(\.harmLogE), alpha: policy.alphaRollback)
        var harmful: [String] = []
        // The blamed, then any other metric whose evidence was enough by itself.
        let named =
            blamed.tracks.isEmpty ? [] : blamed.tracks + results.indices.filter { results[$0].status == .breach && !blamed.tracks.contains($0) }
        for i in named {
            results[i].status = .breach
            let a = assessed[i]
            harmful.append(describe(tracks[i], a.zr, a.lower, a.marginR, logE: a.harmLogE, alone: Foundation.log(1 / rollbackAlpha)))
        }
        if blamed.tracks.count > 1 {
            harmful.append(
                "together \(SequentialJudge.odds(blamed.logE)) against no harm (the mean over \(tracks.count) metrics), \(SequentialJudge.odds(Foundation.log(1 / policy.alphaRollback))) needed (α_rollback \(policy.alphaRollback))"
            )
        }
        var a: CanaryAnalysis
        if criticalEvents > 0 {
            a = CanaryAnalysis(
                step: step, results: results, decision: .rollback, reason: "\(criticalEvents) critical event(s) in the candidate's answers",
                judge: name, ready: false)
        } else if !harmful.isEmpty {
            a = CanaryAnalysis(
                step: step, results: results, decision: .rollback, reason: "evidence of harm: " + harmful.joined(separator: "; "), judge: name,
                ready: false)
        } else {
            let ready = pending.isEmpty && !results.isEmpty
            let reason =
                ready
                ? "every guardrail within its margin (α_promote \(policy.alphaPromote)), no harm (α_rollback \(policy.alphaRollback) over \(tracks.count))"
                : "no harm shown; awaiting evidence on " + pending.joined(separator: ", ")
            a = CanaryAnalysis(step: step, results: results, decision: .continue, reason: reason, judge: name, ready: ready)
        }
        if !tracks.isEmpty {
            a.rollbackEvidence = max(0, blamed.logE)
            a.rollbackBoundary = Foundation.log(1 / policy.alphaRollback)
        }
        return a
    }

    /// One metric's verdict: its result row, the evidence of harm it adds to the combined test
    /// (ln e), and what it still waits for (a reason not to advance yet).
    struct Assessment {
        var result: MetricResult
        var harmLogE: Double
        var pending: String?
        /// What `describe` needs, so the words are built only for a metric that is blamed.
        var zr = 0.0, lower = 0.0, marginR = 0.0
    }

    /// `candidateRate` is what the track's evidence grows with: candidate requests a second, or
    /// mirrored pairs a second for paired quality.
    func assess(_ k: Track, shown: (Double?, Double?), candidateRate: Double) -> Assessment {
        let metric = k.check.metric
        let limit = ThresholdAnalyzer.limit(k.check, baseline: shown.0 ?? .nan)
        guard let (z, v, margin) = harm(k) else {
            let result = MetricResult(
                metric: metric, baseline: shown.0, candidate: shown.1, limit: limit.isFinite ? limit : nil, status: .noData, consecutiveFailures: 0)
            let gathering = k.scale == .paired ? "\(k.pairs.n) of \(minSamples) mirrored pairs" : "gathering \(minSamples) per arm"
            // A test martingale starts at 1: no evidence either way.
            return Assessment(result: result, harmLogE: 0, pending: "\(metric.rawValue) (\(gathering))")
        }
        // Paired quality grows with pairs, not with the arms' requests.
        let (nBaseline, nCandidate) = k.scale == .paired ? (k.pairs.n, k.pairs.n) : (k.arms[0].n, k.arms[1].n)
        // The rollback side is tested at the tolerance; with a tolerance of 1 both sides share it.
        let (zr, vr, marginR) = k.tolerance < 1 ? (harm(k, share: k.tolerance) ?? (z, v, margin)) : (z, v, margin)
        let tau = k.limit == -1 ? max(margin, 1e-4) : k.tau
        let tauR = k.limit == -1 ? max(marginR, 1e-4) : k.tau
        // Each side is one-sided: harm beyond the tolerance, harm below the margin.
        let lower = zr - ConfidenceSequence.oneSidedHalfWidth(variance: vr, tau: tauR, alpha: rollbackAlpha)
        let upper = z + ConfidenceSequence.oneSidedHalfWidth(variance: v, tau: tau, alpha: policy.alphaPromote)
        var harmLogE = ConfidenceSequence.oneSidedLogEvidence(excess: zr - marginR, variance: vr, tau: tauR)
        if let counts = k.counts {
            // Two tests of one metric: their mean is an e-value too, so the count martingale's
            // route and the difference's share the metric's place in the combined test.
            harmLogE = SequentialJudge.logMeanExp([harmLogE, counts.logValue])
        }
        let safeLogE = ConfidenceSequence.oneSidedLogEvidence(excess: margin - z, variance: v, tau: tau)
        let leansHarm = zr > marginR
        let alone = Foundation.log(1 / rollbackAlpha)
        var status: MetricResult.Status
        if harmLogE >= alone {
            status = .breach
        } else if upper < margin {
            status = .nonInferior
        } else {
            status = .undecided
        }
        var why = metric.rawValue
        if status == .nonInferior, k.scale != .paired, let silent = [(0, "baseline"), (1, "candidate")].first(where: { k.successes[$0.0] == 0 }) {
            status = .undecided
            why += " (no successful request from the \(silent.1))"
        }
        let role = k.check.effectiveRole
        if role == .success, status == .nonInferior, (k.check.require ?? .nonInferior) == .superior, upper >= 0 {
            status = .undecided
        }
        let needed = role == .guardrail || (role == .success && (k.check.require ?? .nonInferior) != .none)
        let more =
            status == .undecided
            ? (leansHarm
                ? SequentialJudge.moreRequests(z: zr, v: vr, tau: tauR, margin: marginR, alpha: rollbackAlpha, nCandidate: nCandidate)
                : SequentialJudge.moreRequests(z: z, v: v, tau: tau, margin: margin, alpha: policy.alphaPromote, nCandidate: nCandidate))
            : nil
        var e = MetricEvidence(
            scale: k.scale.rawValue, estimate: z, lower: lower, upper: upper, margin: margin, evidence: max(0, leansHarm ? harmLogE : safeLogE),
            boundary: leansHarm ? alone : Foundation.log(1 / policy.alphaPromote), nBaseline: nBaseline, nCandidate: nCandidate,
            eta: candidateRate > 0 ? more.map { $0 / candidateRate } : nil, leaning: leansHarm ? "harm" : "safe",
            tolerance: k.tolerance < 1 ? marginR : nil)
        // Both sides, for the view of the trade-off: each one-sided, so each grows only on
        // evidence for its own side.
        e.rollbackEvidence = max(0, harmLogE)
        e.rollbackBoundary = alone
        e.promoteEvidence = max(0, safeLogE)
        e.promoteBoundary = Foundation.log(1 / policy.alphaPromote)
        e.requestsToDecision = more.map { Int(saturating: $0.rounded(.up)) }
        let result = MetricResult(
            metric: metric, baseline: shown.0, candidate: shown.1, limit: limit.isFinite ? limit : nil, status: status,
            consecutiveFailures: 0, evidence: e)
        return Assessment(
            result: result, harmLogE: harmLogE, pending: needed && status == .undecided ? why : nil, zr: zr, lower: lower, marginR: marginR)
    }

    /// The metrics to blame for a rollback, if the evidence of harm calls for one.
    ///
    /// Rolling back is a union over K metrics: "some metric is worse than its tolerance". The
    /// mean of the metrics' e-values is itself an e-value under "none is" (a mean of test
    /// supermartingales on the same requests is one), so it rolls back when the mean reaches
    /// 1/α_rollback, keeping the false-rollback rate at α_rollback whenever and however often
    /// it looks. It never needs more evidence than Bonferroni's α/K per metric (one metric at
    /// K/α alone is enough), and needs less when two metrics lean to harm together, as a
    /// slower model's p50 and p95 do (Vovk and Wang: the mean is the admissible symmetric way
    /// to merge e-values). Blamed are the fewest metrics, strongest first, whose evidence alone
    /// reaches the boundary; `logE` is ln of the mean.
    static func blame(_ logE: [Double], alpha: Double) -> (tracks: [Int], logE: Double) {
        guard !logE.isEmpty else { return ([], 0) }
        let mean = logMeanExp(logE)
        let boundary = Foundation.log(1 / alpha)
        guard mean >= boundary else { return ([], mean) }
        let needed = boundary + Foundation.log(Double(logE.count))
        var blamed: [Int] = []
        var sum = -Double.infinity  // ln of the blamed metrics' summed e-values
        for i in logE.indices.sorted(by: { logE[$0] > logE[$1] }) {
            blamed.append(i)
            sum = logSumExp([sum, logE[i]])
            if sum >= needed { break }
        }
        return (blamed, mean)
    }

    static func logSumExp(_ xs: [Double]) -> Double {
        guard let top = xs.max(), top.isFinite else { return xs.max() ?? -.infinity }
        return top + Foundation.log(xs.reduce(0) { $0 + Foundation.exp($1 - top) })
    }

    static func logMeanExp(_ xs: [Double]) -> Double { logSumExp(xs) - Foundation.log(Double(max(1, xs.count))) }

    /// An e-value as odds: "57:1".
    static func odds(_ logE: Double) -> String {
        let e = Foundation.exp(logE)
        return e < 1e6 ? String(format: "%.0f:1", e.rounded(.down)) : String(format: "%.2g:1", e)
    }

    /// Why a metric rolls back: the estimate against the rollback boundary (with the margin,
    /// when the tolerance is inside it), and the bound that cleared it when the metric's
    /// evidence was enough alone; when it took several metrics together, this metric's odds.
    func describe(_ k: Track, _ z: Double, _ lower: Double, _ boundary: Double, logE: Double, alone: Double) -> String {
        let m = k.check.metric.rawValue
        let inside = k.tolerance < 1
        let what = inside ? "rollback tolerance" : "margin"
        let byItself = logE >= alone
        let odds = "odds \(SequentialJudge.odds(logE))"
        if let counts = k.counts, counts.logValue >= logE {
            return
                "\(m): \(counts.candidateEvents) of \(counts.events) errors came from the candidate, more than ×\(String(format: "%g", counts.theta0)) its share of traffic explains (\(odds))"
        }
        switch k.scale {
        case .logRatio:
            let margin = inside ? " (margin ×\(String(format: "%.3f", Foundation.exp(k.margin))))" : ""
            let bound = byItself ? "at least ×\(String(format: "%.3f", Foundation.exp(lower)))" : odds
            return
                "\(m) candidate/baseline ×\(String(format: "%.3f", Foundation.exp(z))) (\(bound)) > \(what) ×\(String(format: "%.3f", Foundation.exp(boundary)))\(margin)"
        case .difference:
            let bound = byItself ? "at least \(String(format: "%.4f", lower))" : odds
            return "\(m) worse by \(String(format: "%.4f", z)) (\(bound)) > \(what) \(String(format: "%.4f", boundary))"
        case .paired:
            let bound = byItself ? "at least \(String(format: "%.4f", lower))" : odds
            return
                "\(m) worse by \(String(format: "%.4f", z)) on the same \(k.pairs.n) mirrored prompts (\(bound)) > \(what) \(String(format: "%.4f", boundary))"
        case .tail:
            let r = 1 + k.tolerance * ((k.check.maxRatio ?? 1) - 1)
            let bound = byItself ? "at least \(String(format: "%.1f", (lower + 0.05) * 100))%" : odds
            return
                "\(m): \(String(format: "%.1f", (z + 0.05) * 100))% of candidate requests slower than ×\(String(format: "%.3g", r)) the baseline's p95 (\(bound), limit 5%)"
        case .absolute:
            let bound = byItself ? "at least \(String(format: "%.4g", lower))" : odds
            return "\(m) past its limit by \(String(format: "%.4g", z)) (\(bound))"
        }
    }

    /// Candidate requests still needed for the (one-sided) bound to cross the boundary if the
    /// estimate holds: variance falls as 1/n, so find the growth factor that is enough, by
    /// bisection. Nil when the estimate sits on the boundary or a millionfold more would not do.
    static func moreRequests(z: Double, v: Double, tau: Double, margin: Double, alpha: Double, nCandidate: Int) -> Double? {
        let gap = abs(margin - z)
        guard gap > 1e-12, nCandidate > 0 else { return nil }
        // The bound is within the gap exactly when the evidence at the gap reaches ln(1/α) (it
        // grows with the excess): one evaluation per step instead of solving for the bound.
        let target = Foundation.log(1 / alpha)
        func enough(_ k: Double) -> Bool { ConfidenceSequence.oneSidedLogEvidence(excess: gap, variance: v / k, tau: tau) > target }
        if enough(1) { return 0 }
        var hi = 2.0
        while !enough(hi) {
            hi *= 2
            if hi > 1e6 { return nil }
        }
        var lo = hi / 2
        for _ in 0..<40 {
            let mid = (lo + hi) / 2
            if enough(mid) { hi = mid } else { lo = mid }
        }
        return (hi - 1) * Double(nCandidate)
    }
}
