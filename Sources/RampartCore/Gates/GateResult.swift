/// The verdict of one gate, with the numbers behind each threshold check.
public struct GateResult: Sendable, Equatable, Codable {
    public var name: String
    public var kind: GateSpec.Kind
    /// Items scored per variant.
    public var items: Int
    /// Requests that failed outright. Golden gates average the answered samples of an item and
    /// score an item with no answer at all as zero; rates count a failure as no refusal and no leak.
    public var candidateErrors: Int
    public var baselineErrors: Int
    public var checks: [GateCheck]
    public var passed: Bool { checks.allSatisfy(\.passed) }

    public init(name: String, kind: GateSpec.Kind, items: Int, candidateErrors: Int, baselineErrors: Int, checks: [GateCheck]) {
        self.name = name
        self.kind = kind
        self.items = items
        self.candidateErrors = candidateErrors
        self.baselineErrors = baselineErrors
        self.checks = checks
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, items, checks
        case candidateErrors = "candidate_errors"
        case baselineErrors = "baseline_errors"
    }
}

/// One threshold compared with the candidate's value (and the baseline's, for reference).
public struct GateCheck: Sendable, Equatable, Codable {
    public enum Comparison: String, Sendable, Codable {
        case atLeast = ">="
        case atMost = "<="
    }

    /// The threshold's spec key, e.g. `min_score`.
    public var threshold: String
    /// What was measured, e.g. `token_f1 mean` or `refusal rate (harmful)`.
    public var measure: String
    public var candidate: Double
    public var baseline: Double?
    /// 95% interval of the checked value (Wilson for rates, Student-t for means).
    public var interval: Interval
    public var limit: Double
    public var comparison: Comparison
    public var passed: Bool

    public init(
        threshold: String, measure: String, candidate: Double, baseline: Double?, interval: Interval, limit: Double,
        comparison: Comparison
    ) {
        self.threshold = threshold
        self.measure = measure
        self.candidate = candidate
        self.baseline = baseline
        self.interval = interval
        self.limit = limit
        self.comparison = comparison
        self.passed = comparison == .atLeast ? candidate >= limit : candidate <= limit
    }
}
