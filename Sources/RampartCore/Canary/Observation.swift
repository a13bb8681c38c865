/// One request as the data plane saw it: which arm served it and what it cost. Everything the
/// live metrics, the judges and a what-if replay need, and nothing about the prompt itself.
public struct Observation: Sendable, Equatable, Codable {
    public var variant: Variant
    public var latencyMs: Double
    /// The HTTP status returned to the client; 0 when the upstream never answered.
    public var status: Int
    /// Counted against the arm: an upstream failure, a timeout, a 5xx or a malformed answer.
    /// Client errors (4xx) are the caller's and never count against a version.
    public var failed: Bool
    public var promptTokens: Int
    public var completionTokens: Int
    public var cost: Double
    /// Online quality score in 0...1, present only for the sampled share that was scored.
    public var quality: Double?
    /// Sent by Rampart's own load generator rather than a real user.
    public var synthetic: Bool
    /// The sampled answer held a confirmed leak or violation (a critical event).
    public var critical: Bool = false
    /// For a streamed answer: milliseconds until its first token reached the proxy.
    public var ttftMs: Double?
    /// A baseline request whose prompt was also sent to the candidate (`mirror`): the
    /// candidate's answer to the same prompt, never shown to the user. With `quality` (the
    /// baseline's score) it makes a pair; it counts in no metric of either arm.
    public var shadow: ShadowAnswer?

    public init(
        variant: Variant, latencyMs: Double, status: Int = 200, failed: Bool = false, promptTokens: Int = 0,
        completionTokens: Int = 0, cost: Double = 0, quality: Double? = nil, synthetic: Bool = false
    ) {
        self.variant = variant
        self.latencyMs = latencyMs
        self.status = status
        self.failed = failed
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.cost = cost
        self.quality = quality
        self.synthetic = synthetic
    }

    /// A client error: passed through, not the version's fault, left out of every metric.
    public var isClientError: Bool { (400..<500).contains(status) && !failed }

    enum CodingKeys: String, CodingKey {
        case variant, status, failed, cost, quality, synthetic, critical
        case latencyMs = "latency_ms"
        case ttftMs = "ttft_ms"
        case shadow
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
    }
}

extension Observation {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variant = try c.decode(Variant.self, forKey: .variant)
        latencyMs = try c.decode(Double.self, forKey: .latencyMs)
        status = try c.decodeIfPresent(Int.self, forKey: .status) ?? 200
        failed = try c.decodeIfPresent(Bool.self, forKey: .failed) ?? false
        promptTokens = try c.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try c.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        cost = try c.decodeIfPresent(Double.self, forKey: .cost) ?? 0
        quality = try c.decodeIfPresent(Double.self, forKey: .quality)
        synthetic = try c.decodeIfPresent(Bool.self, forKey: .synthetic) ?? false
        critical = try c.decodeIfPresent(Bool.self, forKey: .critical) ?? false
        ttftMs = try c.decodeIfPresent(Double.self, forKey: .ttftMs)
        shadow = try c.decodeIfPresent(ShadowAnswer.self, forKey: .shadow)
    }
}

/// The candidate's answer to a mirrored baseline prompt: scored against the same references as
/// the baseline's answer, so quality is compared on the same prompts (a paired test), and paid
/// for (its cost is the price of mirroring).
public struct ShadowAnswer: Sendable, Equatable, Codable {
    /// The candidate's score; nil when its shadow request failed or its answer could not be scored.
    public var quality: Double?
    public var cost: Double
    public var failed: Bool

    public init(quality: Double?, cost: Double, failed: Bool = false) {
        self.quality = quality
        self.cost = cost
        self.failed = failed
    }

    /// Harm on the paired scale (baseline minus candidate: quality is better higher), when both
    /// answers were scored.
    public func harm(baseline: Double?) -> Double? {
        guard !failed, let baseline, let quality, baseline.isFinite, quality.isFinite else { return nil }
        return baseline - quality
    }
}
