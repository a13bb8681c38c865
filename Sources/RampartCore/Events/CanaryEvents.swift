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

    public init(
        requests: Int = 0, errors: Int = 0, latencyP50: Double? = nil, latencyP95: Double? = nil, latencyP99: Double? = nil,
        errorRate: Double? = nil, tokensPerRequest: Double? = nil, costPerRequest: Double? = nil, quality: Double? = nil,
        qualitySamples: Int? = nil
    ) {
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
        }
    }

    enum CodingKeys: String, CodingKey {
        case requests, errors, quality
        case latencyP50 = "latency_p50"
        case latencyP95 = "latency_p95"
        case latencyP99 = "latency_p99"
        case qualitySamples = "quality_samples"
        case errorRate = "error_rate"
        case tokensPerRequest = "tokens_per_request"
        case costPerRequest = "cost_per_request"
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
    }

    public var metric: CanaryMetric
    public var baseline: Double?
    public var candidate: Double?
    /// The largest (or, for quality, smallest) candidate value the limits allow given this baseline.
    public var limit: Double?
    public var status: Status
    public var consecutiveFailures: Int

    public init(metric: CanaryMetric, baseline: Double?, candidate: Double?, limit: Double?, status: Status, consecutiveFailures: Int) {
        self.metric = metric
        self.baseline = baseline
        self.candidate = candidate
        self.limit = limit
        self.status = status
        self.consecutiveFailures = consecutiveFailures
    }

    enum CodingKeys: String, CodingKey {
        case metric, baseline, candidate, limit, status
        case consecutiveFailures = "consecutive_failures"
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

    public init(step: Int, results: [MetricResult], decision: Decision, reason: String) {
        self.step = step
        self.results = results
        self.decision = decision
        self.reason = reason
    }
}
