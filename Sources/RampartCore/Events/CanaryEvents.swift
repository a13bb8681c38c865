/// Live metrics of one arm (baseline or candidate) within the current step.
/// A `nil` value means no data yet, which is not the same as zero.
public struct ArmMetrics: Sendable, Equatable, Codable {
    public var requests: Int
    public var errors: Int
    public var latencyP50: Double?
    public var latencyP95: Double?
    public var latencyP99: Double?
    public var errorRate: Double?
    public var tokensPerRequest: Double?
    public var costPerRequest: Double?
    public var quality: Double?
    /// Responses scored for quality (a sampled share of the successful ones).
    public var qualitySamples: Int?
    /// Confirmed leaks or violations found in the sampled answers.
    public var criticalEvents: Int?
    /// Baseline prompts also sent to the candidate (`mirror`), and the cost of those shadow
    /// answers: the price of the paired quality test. Nil when nothing was mirrored.
    public var mirrored: Int?
    public var mirrorCost: Double?

    public init(
        requests: Int = 0, errors: Int = 0, latencyP50: Double? = nil, latencyP95: Double? = nil, latencyP99: Double? = nil,
        errorRate: Double? = nil, tokensPerRequest: Double? = nil, costPerRequest: Double? = nil, quality: Double? = nil,
        qualitySamples: Int? = nil, criticalEvents: Int? = nil
    ) {
        self.criticalEvents = criticalEvents
        self.requests = requests
        self.errors = errors
        self.latencyP50 = latencyP50
        self.latencyP95 = latencyP95
        self.latencyP99 = latencyP99
        self.qualitySamples = qualitySamples
        self.errorRate = errorRate
        self.tokensPerRequest = tokensPerRequest
        self.costPerRequest = costPerRequest
        self.quality = quality
    }

    public func value(_ metric: CanaryMetric) -> Double? {
        switch metric {
        case .latencyP50: latencyP50
        case .latencyP95: latencyP95
        case .errorRate: errorRate
        case .tokensPerRequest: tokensPerRequest
        case .costPerRequest: costPerRequest
        case .quality: quality
        case .criticalEvents: criticalEvents.map(Double.init)
        }
    }

    /// Sets one metric's value, as a metrics backend reports it.
    public mutating func set(_ metric: CanaryMetric, _ v: Double?) {
        switch metric {
        case .latencyP50: latencyP50 = v
        case .latencyP95: latencyP95 = v
        case .errorRate: errorRate = v
        case .tokensPerRequest: tokensPerRequest = v
        case .costPerRequest: costPerRequest = v
        case .quality: quality = v
        case .criticalEvents: criticalEvents = v.map { Int($0.rounded()) }
        }
    }

    enum CodingKeys: String, CodingKey {
        case requests, errors, quality
        case latencyP50 = "latency_p50"
        case latencyP95 = "latency_p95"
        case latencyP99 = "latency_p99"
        case qualitySamples = "quality_samples"
        case criticalEvents = "critical_events"
        case errorRate = "error_rate"
        case tokensPerRequest = "tokens_per_request"
        case costPerRequest = "cost_per_request"
        case mirrored
        case mirrorCost = "mirror_cost"
    }
}

public struct MetricsSnapshot: Sendable, Equatable, Codable {
    /// Zero-based step index.
    public var step: Int
    public var weight: Double
    public var baseline: ArmMetrics
    public var candidate: ArmMetrics
    /// Requests the candidate has served over the whole canary, the blast radius so far.
    public var candidateTotal: Int
    /// Both arms over the last few seconds (the sliding window), for trends; nil in old recordings.
    public var recentBaseline: ArmMetrics?
    public var recentCandidate: ArmMetrics?

    public init(step: Int, weight: Double, baseline: ArmMetrics, candidate: ArmMetrics, candidateTotal: Int) {
        self.step = step
        self.weight = weight
        self.baseline = baseline
        self.candidate = candidate
        self.candidateTotal = candidateTotal
    }

    enum CodingKeys: String, CodingKey {
        case step, weight, baseline, candidate
        case candidateTotal = "candidate_total"
        case recentBaseline = "recent_baseline"
        case recentCandidate = "recent_candidate"
    }
}

/// The result of checking one metric against its limit at one analysis.
public struct MetricResult: Sendable, Equatable, Codable {
    public enum Status: String, Sendable, Codable {
        /// Within the limit.
        case ok
        /// Outside the limit, but not yet for `failure_limit` analyses in a row.
        case watching
        /// Outside the limit for `failure_limit` analyses in a row.
        case breach
        /// Too few requests in one arm to judge.
        case noData = "no_data"
        /// Sequential judge: evidence that the candidate is within its margin.
        case nonInferior = "non_inferior"
        /// Sequential judge: data, but not yet enough evidence either way.
        case undecided
    }

    public var metric: CanaryMetric
    public var baseline: Double?
    public var candidate: Double?
    /// The largest (or, for quality, smallest) candidate value the limits allow given this baseline.
    public var limit: Double?
    public var status: Status
    public var consecutiveFailures: Int
    /// The numbers behind a statistical judge's call, nil for the threshold judge.
    public var evidence: MetricEvidence?

    public init(
        metric: CanaryMetric, baseline: Double?, candidate: Double?, limit: Double?, status: Status, consecutiveFailures: Int,
        evidence: MetricEvidence? = nil
    ) {
        self.metric = metric
        self.baseline = baseline
        self.candidate = candidate
        self.limit = limit
        self.status = status
        self.consecutiveFailures = consecutiveFailures
        self.evidence = evidence
    }

    enum CodingKeys: String, CodingKey {
        case metric, baseline, candidate, limit, status, evidence
        case consecutiveFailures = "consecutive_failures"
    }
}

/// Why a statistical judge says what it says about one metric, on the scale it tests.
public struct MetricEvidence: Sendable, Equatable, Codable {
    /// `log-ratio` (candidate/baseline, for latency, tokens, cost), `difference` (candidate −
    /// baseline: rates, quality), `absolute` (candidate against a fixed limit), `count` (events),
    /// `mann-whitney` (Kayenta's shift).
    public var scale: String
    /// The estimate of harm (positive is worse for the candidate) and its confidence bounds.
    public var estimate: Double
    public var lower: Double
    public var upper: Double
    /// The harm the spec tolerates on this scale.
    public var margin: Double
    /// ln Λ against the margin, and the boundary it must reach (ln(1/α) of the side it leans to).
    public var evidence: Double
    public var boundary: Double
    public var nBaseline: Int
    public var nCandidate: Int
    /// Seconds to a decision at the current traffic if the estimate holds; nil when it cannot come.
    public var eta: Double?
    /// Where the evidence leans: "harm" (toward the rollback boundary) or "safe".
    public var leaning: String
    /// The rollback boundary on this scale when it sits inside the margin (the judge's
    /// `rollback_tolerance`); nil when rollback and promotion share the margin. For the tail,
    /// `lower` bounds the share slower than the tolerance's ratio.
    public var tolerance: Double?
    /// Both sides at once, so a view can show where the metric sits between rolling back and
    /// promoting (the sides test different boundaries, so both can gather evidence). ln Λ of
    /// harm beyond the rollback boundary and its threshold; ln Λ of harm below the margin and
    /// its threshold. Absent in recordings made before they were kept.
    public var rollbackEvidence: Double?
    public var rollbackBoundary: Double?
    public var promoteEvidence: Double?
    public var promoteBoundary: Double?
    /// More candidate requests the decision needs if the estimate holds (the side it leans to);
    /// nil when no amount would do or it is decided.
    public var requestsToDecision: Int?

    public init(
        scale: String, estimate: Double, lower: Double, upper: Double, margin: Double, evidence: Double, boundary: Double,
        nBaseline: Int, nCandidate: Int, eta: Double?, leaning: String, tolerance: Double? = nil
    ) {
        self.scale = scale
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.margin = margin
        self.evidence = evidence
        self.boundary = boundary
        self.nBaseline = nBaseline
        self.nCandidate = nCandidate
        self.eta = eta
        self.leaning = leaning
        self.tolerance = tolerance
    }

    /// 0...1: how far the evidence has come toward its boundary.
    public var progress: Double { Self.progress(evidence, boundary) }
    /// 0...1 toward each side; nil when the recording holds only the leaning side.
    public var rollbackProgress: Double? { rollbackEvidence.map { Self.progress($0, rollbackBoundary ?? 0) } }
    public var promoteProgress: Double? { promoteEvidence.map { Self.progress($0, promoteBoundary ?? 0) } }

    static func progress(_ evidence: Double, _ boundary: Double) -> Double {
        boundary > 0 && evidence.isFinite ? min(1, max(0, evidence / boundary)) : (evidence == .infinity ? 1 : 0)
    }

    enum CodingKeys: String, CodingKey {
        case scale, estimate, lower, upper, margin, evidence, boundary, eta, leaning, tolerance
        case rollbackEvidence = "rollback_evidence"
        case rollbackBoundary = "rollback_boundary"
        case promoteEvidence = "promote_evidence"
        case promoteBoundary = "promote_boundary"
        case requestsToDecision = "requests_to_decision"
        case nBaseline = "n_baseline"
        case nCandidate = "n_candidate"
    }
}

public struct CanaryAnalysis: Sendable, Equatable, Codable {
    public enum Decision: String, Sendable, Codable {
        case `continue`, rollback
    }

    public var step: Int
    public var results: [MetricResult]
    public var decision: Decision
    public var reason: String
    /// The judge that decided: sequential, kayenta or threshold.
    public var judge: String?
    /// The judge has what it needs for the step to advance (bake and request minimums aside).
    public var ready: Bool?
    /// Kayenta's score, 0...100.
    public var score: Double?
    /// Where the metrics were read when not from the observed requests (`prometheus URL`).
    public var source: String?
    /// The sequential judge's rollback test over all its metrics at once: ln of the mean of
    /// their e-values of harm (0 at most for no evidence) and the boundary it must reach,
    /// ln(1/α_rollback). It can roll back before any one metric's own gauge is full, so a view
    /// shows it beside them. Absent for the other judges and in older recordings.
    public var rollbackEvidence: Double?
    public var rollbackBoundary: Double?

    public init(
        step: Int, results: [MetricResult], decision: Decision, reason: String, judge: String? = nil, ready: Bool? = nil, score: Double? = nil,
        source: String? = nil
    ) {
        self.source = source
        self.step = step
        self.results = results
        self.decision = decision
        self.reason = reason
        self.judge = judge
        self.ready = ready
        self.score = score
    }

    enum CodingKeys: String, CodingKey {
        case step, results, decision, reason, judge, ready, score, source
        case rollbackEvidence = "rollback_evidence"
        case rollbackBoundary = "rollback_boundary"
    }
}
