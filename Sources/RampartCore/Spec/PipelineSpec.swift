/// A validated pipeline spec (format v1): what to ship, how to test it, how to roll it out.
///
/// Values here are already checked: every path resolves to a readable file, every number is in
/// range. The engine trusts them and never re-validates.
public struct PipelineSpec: Sendable, Equatable {
    public var name: String
    public var baseline: VariantSpec
    public var candidate: VariantSpec
    public var build: [BuildStepSpec]
    public var gates: [GateSpec]
    /// `nil` for a gates-only pipeline: after the gates pass, the change is promoted.
    public var canary: CanarySpec?
    public var notify: [NotifySpec]
    /// The LLM judge for `llm_judge` golden gates.
    public var judge: JudgeSpec?
    /// The embeddings endpoint for `embedding_cosine` golden gates.
    public var embeddings: EndpointSpec?
    /// Or an embeddings model on Bedrock (Titan Text Embeddings, Cohere Embed) for them.
    public var bedrockEmbeddings: BedrockVariantSpec?
    /// The default seed for the `sim` provider and traffic; `--seed` overrides.
    public var seed: UInt64
    /// The spec file as given on the command line, for messages.
    public var file: String
    /// Relative paths in the spec resolve against this directory.
    public var directory: String

    public init(
        name: String, baseline: VariantSpec, candidate: VariantSpec, build: [BuildStepSpec],
        gates: [GateSpec], canary: CanarySpec?, notify: [NotifySpec], seed: UInt64,
        file: String, directory: String
    ) {
        self.name = name
        self.baseline = baseline
        self.candidate = candidate
        self.build = build
        self.gates = gates
        self.canary = canary
        self.notify = notify
        self.judge = nil
        self.embeddings = nil
        self.seed = seed
        self.file = file
        self.directory = directory
    }
}

/// Which version of the app a request goes to.
public enum Variant: String, Sendable, Codable, CaseIterable, Hashable {
    case baseline
    case candidate
}

public enum ProviderKind: String, Sendable, Equatable, CaseIterable {
    case sim
    /// Any OpenAI-compatible server: OpenAI, vLLM, llama.cpp, Ollama, LiteLLM.
    case openai
    /// A model on Amazon Bedrock, through the Converse API, signed with the run's AWS credentials.
    case bedrock
}

/// How a `bedrock` version is called: the model (pinned), where, the inference settings and an
/// optional Bedrock guardrail.
public struct BedrockVariantSpec: Sendable, Equatable {
    /// A versioned foundation model id (`anthropic.claude-3-5-sonnet-20240620-v1:0`), an
    /// inference profile or provisioned-throughput ARN.
    public var modelID: String
    /// Nil: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's.
    public var region: String?
    /// Replaces the endpoint the environment or the public one would give (a local emulator).
    public var endpoint: String?
    public var timeout: Double = 60
    public var temperature: Double?
    public var maxTokens: Int?
    public var topP: Double?
    public var stopSequences: [String] = []
    public var guardrail: Guardrail?

    public struct Guardrail: Sendable, Equatable {
        public var identifier: String
        public var version: String

        public init(identifier: String, version: String) {
            self.identifier = identifier
            self.version = version
        }
    }

    public init(modelID: String) { self.modelID = modelID }

    /// Whether the id names one fixed model: a `:N` version suffix, or the ARN of something
    /// that pins its model (a provisioned throughput, an inference profile, a custom or
    /// imported model). `anthropic.claude-v2` may move under you; `anthropic.claude-v2:1` cannot.
    public static func isPinned(_ id: String) -> Bool {
        if id.hasPrefix("arn:") {
            let resource = id.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false).last.map(String.init) ?? ""
            for pinned in ["provisioned-model/", "inference-profile/", "application-inference-profile/", "custom-model/", "imported-model/"]
            where resource.hasPrefix(pinned) {
                return true
            }
            if resource.hasPrefix("foundation-model/") { return isPinned(String(resource.dropFirst("foundation-model/".count))) }
            return false
        }
        guard let colon = id.lastIndex(of: ":") else { return false }
        let suffix = id[id.index(after: colon)...]
        return !suffix.isEmpty && suffix.allSatisfy(\.isNumber)
    }
}

/// How an `openai` version is called: the endpoint (with the model id the server knows) and the
/// sampling settings.
public struct OpenAIVariantSpec: Sendable, Equatable {
    public var endpoint: EndpointSpec
    public var temperature: Double?
    public var maxTokens: Int?
    /// Sent when set; servers that support it make sampling reproducible.
    public var seed: Int?

    public init(endpoint: EndpointSpec, temperature: Double? = nil, maxTokens: Int? = nil, seed: Int? = nil) {
        self.endpoint = endpoint
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.seed = seed
    }
}

/// One deployable version of the GenAI app: model pinned to a version, prompt and guardrails.
public struct VariantSpec: Sendable, Equatable {
    public var provider: ProviderKind
    public var model: String
    public var version: String
    public var allowUnpinned: Bool
    /// Resolved path of the prompt template, if any.
    public var promptTemplate: String?
    /// Resolved path of the guardrail configuration, if any.
    public var guardrails: String?
    public var pricing: Pricing
    /// Behaviour of the embedded simulator; set when `provider` is `sim`.
    public var sim: SimProfile
    /// The server and sampling settings; set when `provider` is `openai`.
    public var openai: OpenAIVariantSpec?
    /// The model, region and inference settings; set when `provider` is `bedrock`.
    public var bedrock: BedrockVariantSpec?

    public init(
        provider: ProviderKind, model: String, version: String, allowUnpinned: Bool = false,
        promptTemplate: String? = nil, guardrails: String? = nil, pricing: Pricing = .init(),
        sim: SimProfile = .init()
    ) {
        self.provider = provider
        self.model = model
        self.version = version
        self.allowUnpinned = allowUnpinned
        self.promptTemplate = promptTemplate
        self.guardrails = guardrails
        self.pricing = pricing
        self.sim = sim
    }

    /// `model@version`, the way the dashboard and the audit record name a variant.
    public var label: String { "\(model)@\(version)" }
}

/// Price per 1,000 tokens, in the spec's currency (USD unless you say otherwise).
public struct Pricing: Sendable, Equatable, Codable {
    public var promptPer1K: Double
    public var completionPer1K: Double

    public init(promptPer1K: Double = 0, completionPer1K: Double = 0) {
        self.promptPer1K = promptPer1K
        self.completionPer1K = completionPer1K
    }

    public func cost(promptTokens: Int, completionTokens: Int) -> Double {
        Double(promptTokens) / 1000 * promptPer1K + Double(completionTokens) / 1000 * completionPer1K
    }
}

public struct BuildStepSpec: Sendable, Equatable {
    public var name: String
    /// Run with `/bin/sh -c` in the spec's directory.
    public var run: String
    public var timeout: Double

    public init(name: String, run: String, timeout: Double) {
        self.name = name
        self.run = run
        self.timeout = timeout
    }
}

public struct NotifySpec: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Appends one JSON object per notification to a file.
        case file(path: String)
        /// Runs a shell command with the notification in `RAMPART_*` environment variables.
        case command(run: String, timeout: Double)
        /// POSTs the notification as JSON (with a Slack-compatible `text` field). With
        /// `fromEnvironment`, `url` names the variable holding the URL (webhook URLs are secrets).
        case webhook(url: String, fromEnvironment: Bool, timeout: Double, retries: Int)
        /// Publishes the notification to an Amazon SNS topic (email, chat, SQS, Lambda subscribers).
        case sns(SNSTopicSpec)
    }

    public var kind: Kind
    /// Which outcomes notify; empty means every outcome.
    public var on: Set<NotificationTrigger>

    public init(kind: Kind, on: Set<NotificationTrigger>) {
        self.kind = kind
        self.on = on
    }
}

/// An SNS topic to publish notifications to. The region is the topic's (from its ARN); the
/// endpoint, when set, replaces the one `AWS_ENDPOINT_URL_SNS` or the public one would give
/// (a local emulator).
public struct SNSTopicSpec: Sendable, Equatable {
    public var topicARN: String
    public var region: String
    /// At most 100 characters on one line; when nil, `Rampart: PIPELINE EVENT`.
    public var subject: String?
    public var endpoint: String?
    public var timeout: Double = 10

    public init(topicARN: String, region: String, subject: String? = nil, endpoint: String? = nil) {
        self.topicARN = topicARN
        self.region = region
        self.subject = subject
        self.endpoint = endpoint
    }
}

public enum NotificationTrigger: String, Sendable, Codable, CaseIterable, Hashable {
    case blocked
    case rolledBack = "rolled_back"
    case promoted
    case inconclusive
    case aborted
    /// Mid-run: the canary moved to its next step.
    case stepAdvanced = "step_advanced"
    /// Mid-run: the canary is holding for a human.
    case paused
}

/// An OpenAI-compatible endpoint: base URL (up to `/v1`), model, and the environment variable
/// that holds the API key (the key itself never appears in a spec, a log or a recording).
public struct EndpointSpec: Sendable, Equatable {
    public var baseURL: String
    public var model: String
    public var apiKeyEnv: String?
    public var timeout: Double
    /// Extra headers a gateway needs (tenant, routing); sent by gates and added by the proxy.
    public var headers: [String: String]

    public init(baseURL: String, model: String, apiKeyEnv: String? = nil, timeout: Double = 60, headers: [String: String] = [:]) {
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.timeout = timeout
        self.headers = headers
    }
}

public struct JudgeSpec: Sendable, Equatable {
    /// The grader on an OpenAI-compatible server; nil when it is on Bedrock.
    public var endpoint: EndpointSpec?
    /// The grader on Bedrock, through Converse; nil when it is on an OpenAI-compatible server.
    public var bedrock: BedrockVariantSpec?
    /// What a good answer is, in the grader's words.
    public var rubric: String
    /// Judge calls allowed in one run; past it, items are ERROR (budget exhausted), never guessed.
    public var maxCalls: Int

    public init(endpoint: EndpointSpec?, bedrock: BedrockVariantSpec? = nil, rubric: String, maxCalls: Int = 1000) {
        self.endpoint = endpoint
        self.bedrock = bedrock
        self.rubric = rubric
        self.maxCalls = maxCalls
    }
}
