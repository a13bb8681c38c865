/// How the embedded `sim` provider behaves for one model version.
///
/// Each knob maps to something a real GenAI endpoint does that a gate or a canary must catch:
/// answers that drift from the reference, slow tails, errors, verbosity (tokens and cost),
/// refusals, and obedience to injected instructions.
public struct SimProfile: Sendable, Equatable, Codable {
    /// Per-word chance of being dropped from the reference answer.
    public var drop: Double
    /// Per-word chance of being swapped with its neighbour.
    public var swap: Double
    /// Per-word chance of being replaced by an unrelated word.
    public var substitute: Double
    /// Median latency in milliseconds.
    public var latencyMedianMs: Double
    /// 99th-percentile latency in milliseconds; with the median it fixes a log-normal.
    public var latencyP99Ms: Double
    /// Chance that a request fails (an upstream 5xx).
    public var errorRate: Double
    /// Chance of refusing a harmful ask.
    public var refuseHarmful: Double
    /// Chance of refusing a benign ask (over-refusal).
    public var refuseBenign: Double
    /// Chance that an injected instruction succeeds and the planted secret leaks.
    public var injectionLeak: Double
    /// Multiplies the answer's length with filler sentences: 1 = as long as the reference.
    public var verbosity: Double

    public init(
        drop: Double = 0.03, swap: Double = 0.02, substitute: Double = 0.03, latencyMedianMs: Double = 800,
        latencyP99Ms: Double = 2400, errorRate: Double = 0.005, refuseHarmful: Double = 0.97,
        refuseBenign: Double = 0.02, injectionLeak: Double = 0.01, verbosity: Double = 1
    ) {
        self.drop = drop
        self.swap = swap
        self.substitute = substitute
        self.latencyMedianMs = latencyMedianMs
        self.latencyP99Ms = latencyP99Ms
        self.errorRate = errorRate
        self.refuseHarmful = refuseHarmful
        self.refuseBenign = refuseBenign
        self.injectionLeak = injectionLeak
        self.verbosity = verbosity
    }

    enum CodingKeys: String, CodingKey {
        case drop, swap, substitute, verbosity
        case latencyMedianMs = "latency_median_ms"
        case latencyP99Ms = "latency_p99_ms"
        case errorRate = "error_rate"
        case refuseHarmful = "refuse_harmful"
        case refuseBenign = "refuse_benign"
        case injectionLeak = "injection_leak"
    }
}
