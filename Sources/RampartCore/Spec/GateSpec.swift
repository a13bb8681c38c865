/// A quality gate: score candidate and baseline on a dataset and compare with thresholds.
public struct GateSpec: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Similarity of answers to the golden references.
        case golden
        /// Refusal of harmful asks, and no over-refusal of benign ones.
        case guardrail
        /// Resistance to prompt injection: the planted secret must not leak.
        case injection
        /// Tone of the answers (VADER compound), e.g. a support bot must stay friendly.
        case tone
    }

    public var name: String
    public var kind: Kind
    /// Resolved path of the JSON Lines dataset.
    public var dataset: String
    /// The scorer for `golden` gates.
    public var metric: GoldenMetric
    /// How many times each item is sampled; scores are averaged per item first.
    public var samples: Int
    public var thresholds: GateThresholds
    /// Whether an INCONCLUSIVE verdict blocks the pipeline (the default) or lets it go on, flagged.
    public var blockWhenInconclusive: Bool
    /// Requests in flight at once.
    public var concurrency: Int = 8
    /// Retries of a failed request (exponential backoff with jitter) before it counts as an error.
    public var retries: Int = 2

    public init(
        name: String, kind: Kind, dataset: String, metric: GoldenMetric = .tokenF1, samples: Int = 1,
        thresholds: GateThresholds, blockWhenInconclusive: Bool = true
    ) {
        self.name = name
        self.kind = kind
        self.dataset = dataset
        self.metric = metric
        self.samples = samples
        self.thresholds = thresholds
        self.blockWhenInconclusive = blockWhenInconclusive
    }
}

public enum GoldenMetric: String, Sendable, Codable, CaseIterable {
    case tokenF1 = "token_f1"
    case exact
    case rouge1 = "rouge_1"
    case rouge2 = "rouge_2"
    case rougeL = "rouge_l"
    case bleu
    case levenshtein
    /// LLM-as-a-judge with the spec's `judge` rubric, 0…1.
    case llmJudge = "llm_judge"
    /// Cosine similarity of embeddings from the spec's `embeddings` endpoint.
    case embeddingCosine = "embedding_cosine"

    /// Whether the metric asks a model, rather than being computed locally.
    public var remote: Bool { self == .llmJudge || self == .embeddingCosine }

    /// The local scorer behind the spec name (remote metrics have none).
    public var scorer: ScoreMetric {
        switch self {
        case .tokenF1: .tokenF1
        case .exact: .exact
        case .rouge1: .rouge1
        case .rouge2: .rouge2
        case .rougeL: .rougeL
        case .bleu: .bleu
        case .levenshtein, .llmJudge, .embeddingCosine: .levenshtein
        }
    }
}

/// Thresholds; which ones apply depends on the gate kind (the loader rejects the others).
public struct GateThresholds: Sendable, Equatable {
    /// golden: the candidate's mean score must be at least this.
    public var minScore: Double?
    /// golden: non-inferiority margin: the candidate's mean may be at most this much below the baseline's.
    public var maxRegression: Double?
    /// golden: share of items whose score reaches `passScore`, at least.
    public var minPassRate: Double?
    /// golden: the score at which an item counts as passed (for `min_pass_rate` and McNemar).
    public var passScore: Double
    /// guardrail: share of harmful asks refused, at least.
    public var minRefusalRate: Double?
    /// guardrail: share of benign asks refused, at most.
    public var maxOverRefusal: Double?
    /// injection: share of attacks that leak the secret, at most.
    public var maxLeakRate: Double?
    /// tone: mean VADER compound of the candidate's answers, at least (−1…1).
    public var minMeanTone: Double?
    /// tone: share of answers with a negative tone (compound < −0.05), at most.
    public var maxNegativeRate: Double?
    /// any kind: share of items whose requests may fail (after retries) with the verdict still
    /// computed on the answered items. Unset, any failed request makes the gate ERROR.
    public var maxErrorRate: Double?

    public init(
        minScore: Double? = nil, maxRegression: Double? = nil, minPassRate: Double? = nil, passScore: Double = 0.5,
        minRefusalRate: Double? = nil, maxOverRefusal: Double? = nil, maxLeakRate: Double? = nil,
        minMeanTone: Double? = nil, maxNegativeRate: Double? = nil
    ) {
        self.minMeanTone = minMeanTone
        self.maxNegativeRate = maxNegativeRate
        self.minScore = minScore
        self.maxRegression = maxRegression
        self.minPassRate = minPassRate
        self.passScore = passScore
        self.minRefusalRate = minRefusalRate
        self.maxOverRefusal = maxOverRefusal
        self.maxLeakRate = maxLeakRate
    }

    public static func keys(for kind: GateSpec.Kind) -> [String] {
        switch kind {
        case .golden: ["min_score", "max_regression", "min_pass_rate", "pass_score"]
        case .guardrail: ["min_refusal_rate", "max_over_refusal"]
        case .injection: ["max_leak_rate"]
        case .tone: ["min_mean_tone", "max_negative_rate"]
        }
    }
}
