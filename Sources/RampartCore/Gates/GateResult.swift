/// A gate's three-way verdict. Probabilistic outputs on a finite dataset cannot always tell: when
/// the interval straddles the threshold the honest answer is INCONCLUSIVE, with the numbers.
public enum GateVerdict: String, Sendable, Codable, Equatable {
    case pass, fail, inconclusive
    /// Requests failed (after their retries): the data cannot say anything, so nothing passes.
    case error

    /// Error beats fail beats inconclusive beats pass.
    public static func combine(_ verdicts: [GateVerdict]) -> GateVerdict {
        if verdicts.contains(.error) { return .error }
        if verdicts.contains(.fail) { return .fail }
        if verdicts.contains(.inconclusive) { return .inconclusive }
        return .pass
    }
}

/// The verdict of one gate, with the numbers behind each threshold check.
public struct GateResult: Sendable, Equatable, Codable {
    public var name: String
    public var kind: GateSpec.Kind
    /// Items scored per variant (the unit of analysis; repeats are folded into each item).
    public var items: Int
    /// Repeats per item.
    public var samples: Int
    /// Requests that failed outright. Golden gates average the answered samples of an item and
    /// score an item with no answer at all as zero; rates count a failure as no refusal and no leak.
    public var candidateErrors: Int
    public var baselineErrors: Int
    public var checks: [GateCheck]
    /// What an inconclusive verdict does to the pipeline (from the spec).
    public var blocksWhenInconclusive: Bool
    /// Items a remote scorer (judge, embeddings) could not score: left out, never counted as failing.
    public var scoringErrors: Int = 0
    /// Items whose requests failed after their retries, and the first failure; nil when every
    /// request was answered.
    public var errors: GateErrors?
    /// Attempts beyond the first that requests needed (throttling, server errors, lost
    /// connections), in both versions; nil when none was retried.
    public var retries: Int?
    /// Each item's outcome, carried only when a front end asked for them (`rampart eval`'s
    /// reports); a pipeline run's recording holds the verdict alone.
    public var outcomes: [ItemOutcome]?

    /// ERROR when requests failed beyond what the spec allows (by default, any), whatever the
    /// checks on the remaining items say; otherwise the checks decide.
    public var verdict: GateVerdict {
        if let errors, errors.blocking { return .error }
        return GateVerdict.combine(checks.map(\.verdict))
    }
    /// Whether the pipeline may go on. An error always blocks.
    public var passed: Bool { verdict == .pass || (verdict == .inconclusive && !blocksWhenInconclusive) }

    public init(
        name: String, kind: GateSpec.Kind, items: Int, samples: Int = 1, candidateErrors: Int, baselineErrors: Int, checks: [GateCheck],
        blocksWhenInconclusive: Bool = true
    ) {
        self.name = name
        self.kind = kind
        self.items = items
        self.samples = samples
        self.candidateErrors = candidateErrors
        self.baselineErrors = baselineErrors
        self.checks = checks
        self.blocksWhenInconclusive = blocksWhenInconclusive
    }

    enum CodingKeys: String, CodingKey {
        case name, kind, items, samples, checks, verdict
        case candidateErrors = "candidate_errors"
        case baselineErrors = "baseline_errors"
        case blocksWhenInconclusive = "blocks_when_inconclusive"
        case scoringErrors = "scoring_errors"
        case errors, retries
        case outcomes = "item_outcomes"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(GateSpec.Kind.self, forKey: .kind)
        items = try c.decode(Int.self, forKey: .items)
        samples = try c.decodeIfPresent(Int.self, forKey: .samples) ?? 1
        candidateErrors = try c.decode(Int.self, forKey: .candidateErrors)
        baselineErrors = try c.decode(Int.self, forKey: .baselineErrors)
        checks = try c.decode([GateCheck].self, forKey: .checks)
        blocksWhenInconclusive = try c.decodeIfPresent(Bool.self, forKey: .blocksWhenInconclusive) ?? true
        scoringErrors = try c.decodeIfPresent(Int.self, forKey: .scoringErrors) ?? 0
        errors = try c.decodeIfPresent(GateErrors.self, forKey: .errors)
        retries = try c.decodeIfPresent(Int.self, forKey: .retries)
        outcomes = try c.decodeIfPresent([ItemOutcome].self, forKey: .outcomes)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .kind)
        try c.encode(items, forKey: .items)
        try c.encode(samples, forKey: .samples)
        try c.encode(candidateErrors, forKey: .candidateErrors)
        try c.encode(baselineErrors, forKey: .baselineErrors)
        try c.encode(checks, forKey: .checks)
        try c.encode(blocksWhenInconclusive, forKey: .blocksWhenInconclusive)
        if scoringErrors > 0 { try c.encode(scoringErrors, forKey: .scoringErrors) }
        try c.encodeIfPresent(errors, forKey: .errors)
        try c.encodeIfPresent(retries, forKey: .retries)
        try c.encode(verdict, forKey: .verdict)
        try c.encodeIfPresent(outcomes, forKey: .outcomes)
    }
}

/// The failed requests behind a gate: how many items they cost, and the first one's reason.
public struct GateErrors: Sendable, Equatable, Codable {
    /// Items with at least one request that failed after its retries, in either version.
    public var items: Int
    /// Items in the dataset.
    public var of: Int
    /// Requests that failed after their retries (or were never sent), per version.
    public var candidateRequests: Int
    public var baselineRequests: Int
    /// The first failure, and which version it hit.
    public var first: RequestFailure
    public var variant: Variant
    /// `max_error_rate` from the spec: the share of items allowed to error, judged on the rest.
    /// nil means none is allowed.
    public var limit: Double?
    /// Every failure in the gate was of a kind that refuses service (unreachable, credentials).
    public var refusesService: Bool
    /// Every failure was the request's own fault (unknown model, bad request): a spec to fix.
    public var rejectsRequest = false
    /// Requests never sent because the endpoint had failed its first ones the same way.
    public var notSent = 0

    public init(
        items: Int, of: Int, candidateRequests: Int, baselineRequests: Int, first: RequestFailure, variant: Variant, limit: Double?,
        refusesService: Bool
    ) {
        self.items = items
        self.of = of
        self.candidateRequests = candidateRequests
        self.baselineRequests = baselineRequests
        self.first = first
        self.variant = variant
        self.limit = limit
        self.refusesService = refusesService
    }

    public var rate: Double { of == 0 ? 1 : Double(items) / Double(of) }

    /// Whether the errors make the gate ERROR: any error without a limit, a rate over the
    /// limit, or no item left to judge.
    public var blocking: Bool {
        guard items > 0 else { return false }
        guard let limit else { return true }
        return items >= of || rate > limit + 1e-12
    }

    /// One line: how many, which version, the first reason.
    public var summary: String {
        let allowed = limit.map { ", \(String(format: "%g", $0 * 100))% allowed" } ?? ""
        let held = notSent > 0 ? "; \(notSent) requests not sent after the endpoint's first ones failed the same way" : ""
        return "\(items) of \(of) items errored\(allowed); first: \(variant.rawValue) \(first.description)\(held)"
    }

    enum CodingKeys: String, CodingKey {
        case items, of, first, variant, limit
        case candidateRequests = "candidate_requests"
        case baselineRequests = "baseline_requests"
        case refusesService = "refuses_service"
        case rejectsRequest = "rejects_request"
        case notSent = "not_sent"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        items = try c.decode(Int.self, forKey: .items)
        of = try c.decode(Int.self, forKey: .of)
        candidateRequests = try c.decodeIfPresent(Int.self, forKey: .candidateRequests) ?? 0
        baselineRequests = try c.decodeIfPresent(Int.self, forKey: .baselineRequests) ?? 0
        first = try c.decode(RequestFailure.self, forKey: .first)
        variant = try c.decode(Variant.self, forKey: .variant)
        limit = try c.decodeIfPresent(Double.self, forKey: .limit)
        refusesService = try c.decodeIfPresent(Bool.self, forKey: .refusesService) ?? false
        rejectsRequest = try c.decodeIfPresent(Bool.self, forKey: .rejectsRequest) ?? false
        notSent = try c.decodeIfPresent(Int.self, forKey: .notSent) ?? 0
    }
}

/// One threshold against the candidate's estimate and its interval (and the baseline's value).
public struct GateCheck: Sendable, Equatable, Codable {
    public enum Comparison: String, Sendable, Codable {
        case atLeast = ">="
        case atMost = "<="
    }

    /// The threshold's spec key, e.g. `min_score`.
    public var threshold: String
    /// What was measured, e.g. `token_f1 mean` or `refusal rate on harmful asks`.
    public var measure: String
    public var candidate: Double
    public var baseline: Double?
    /// 95% interval of the checked value.
    public var interval: Interval
    /// How the interval was made: `bootstrap-2000`, `paired-bootstrap-2000`, `wilson`.
    public var method: String
    /// Items behind the estimate.
    public var n: Int
    public var limit: Double
    public var comparison: Comparison
    public var verdict: GateVerdict
    /// Why the verdict is what it is when the interval alone does not say (too few scored items).
    public var note: String?
    /// A paired significance test beside the interval (McNemar, Wilcoxon), when one applies.
    public var test: PairedTests.Result?

    public var passed: Bool { verdict == .pass }

    /// Decides from the interval: wholly on the good side passes, wholly on the bad side fails.
    /// `upperBoundOnly` gates on the upper bound alone (no inconclusive), for attack success rates.
    public init(
        threshold: String, measure: String, candidate: Double, baseline: Double?, interval: Interval, method: String, n: Int,
        limit: Double, comparison: Comparison, upperBoundOnly: Bool = false, test: PairedTests.Result? = nil
    ) {
        self.threshold = threshold
        self.measure = measure
        self.candidate = candidate
        self.baseline = baseline
        self.interval = interval
        self.method = method
        self.n = n
        self.limit = limit
        self.comparison = comparison
        self.test = test
        let eps = 1e-12
        switch comparison {
        case .atLeast:
            verdict = interval.low >= limit - eps ? .pass : (interval.high < limit - eps ? .fail : .inconclusive)
        case .atMost:
            if upperBoundOnly {
                verdict = interval.high <= limit + eps ? .pass : .fail
            } else {
                verdict = interval.high <= limit + eps ? .pass : (interval.low > limit + eps ? .fail : .inconclusive)
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case threshold, measure, candidate, baseline, interval, method, n, limit, comparison, verdict, test, passed, note
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        threshold = try c.decode(String.self, forKey: .threshold)
        measure = try c.decode(String.self, forKey: .measure)
        candidate = try c.decode(Double.self, forKey: .candidate)
        baseline = try c.decodeIfPresent(Double.self, forKey: .baseline)
        interval = try c.decode(Interval.self, forKey: .interval)
        method = try c.decodeIfPresent(String.self, forKey: .method) ?? "unknown"
        n = try c.decodeIfPresent(Int.self, forKey: .n) ?? 0
        limit = try c.decode(Double.self, forKey: .limit)
        comparison = try c.decode(Comparison.self, forKey: .comparison)
        test = try c.decodeIfPresent(PairedTests.Result.self, forKey: .test)
        note = try c.decodeIfPresent(String.self, forKey: .note)
        if let v = try c.decodeIfPresent(GateVerdict.self, forKey: .verdict) {
            verdict = v
        } else {
            verdict = (try c.decodeIfPresent(Bool.self, forKey: .passed) ?? false) ? .pass : .fail
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(measure, forKey: .measure)
        try c.encode(candidate, forKey: .candidate)
        try c.encodeIfPresent(baseline, forKey: .baseline)
        try c.encode(interval, forKey: .interval)
        try c.encode(method, forKey: .method)
        try c.encode(n, forKey: .n)
        try c.encode(limit, forKey: .limit)
        try c.encode(comparison, forKey: .comparison)
        try c.encode(verdict, forKey: .verdict)
        try c.encodeIfPresent(test, forKey: .test)
        try c.encodeIfPresent(note, forKey: .note)
    }
}
