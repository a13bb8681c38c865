/// One dataset item's outcome in a gate, for per-item reports (JSON, JUnit).
public struct ItemOutcome: Sendable, Equatable, Codable {
    public var id: String
    /// Candidate's score for the item: mean metric over repeats, or 1/0 for behaved/misbehaved.
    public var candidate: Double
    public var baseline: Double
    public var passed: Bool
    /// What a failing item did, in a few words, for the report.
    public var detail: String?
    /// The candidate's first answer, for reading the failures.
    public var sample: String?
    /// Why the item has no verdict: a request that failed after its retries.
    public var error: String?
    public var errorKind: RequestFailure.Kind?

    enum CodingKeys: String, CodingKey {
        case id, candidate, baseline, passed, detail, sample, error
        case errorKind = "error_kind"
    }

    public init(id: String, candidate: Double, baseline: Double, passed: Bool, detail: String?, sample: String?) {
        self.id = id
        self.candidate = candidate
        self.baseline = baseline
        self.passed = passed
        self.detail = detail
        self.sample = sample
    }
}

/// A gate's verdict with the per-item outcomes behind it.
public struct GateReport: Sendable, Equatable {
    public var result: GateResult
    public var items: [ItemOutcome]

    public init(result: GateResult, items: [ItemOutcome]) {
        self.result = result
        self.items = items
    }
}

extension GateReport {
    /// The gates' reports from a run's events, in the order they ran; each item outcome the
    /// event carried moves from the verdict into `items`.
    public static func collect(_ events: [RunEvent]) -> [GateReport] {
        events.compactMap { event in
            guard case .gate(var result) = event.body else { return nil }
            let items = result.outcomes ?? []
            result.outcomes = nil
            return GateReport(result: result, items: items)
        }
    }
}
