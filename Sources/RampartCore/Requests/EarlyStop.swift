/// Stops asking an endpoint that refuses every request the same way. When the first `after`
/// answers from a version's endpoint are all failures with one signature (a wrong key, an
/// unknown model, a dead host, a 500 storm), the rest of its requests are not sent: a dataset of
/// 900 samples costs a handful of calls and one clear line instead of thousands.
///
/// One success disarms it for good: an endpoint that works at all is left to the retry policy.
public struct EarlyStop: Sendable, Equatable {
    public let after: Int
    public private(set) var seen = 0
    public private(set) var tripped: RequestFailure?
    private var signature: String?
    private var mixed = false
    private var answered = false

    public init(after: Int = 5) {
        self.after = max(1, after)
    }

    /// Records the final outcome of one request (after its retries): nil for an answer.
    public mutating func record(_ failure: RequestFailure?) {
        guard tripped == nil, !answered, !mixed else { return }
        guard let failure, failure.kind != .notSent else {
            if failure == nil { answered = true }
            return
        }
        if let signature, signature != failure.signature {
            mixed = true
            return
        }
        signature = failure.signature
        seen += 1
        if seen >= after { tripped = failure }
    }

    /// The failure a request that is not sent carries.
    public func notSent(_ endpoint: String) -> RequestFailure? {
        guard let tripped else { return nil }
        return RequestFailure(
            .notSent, status: tripped.status,
            message: "not sent: \(endpoint) failed its first \(after) requests the same way (\(tripped.description))")
    }
}
