import RampartCore

/// One request to a GenAI app version.
public struct ModelRequest: Sendable {
    /// The rendered prompt template.
    public var system: String
    public var user: String
    /// The dataset case behind the request. Real providers ignore it; the simulator uses it to
    /// decide how well to answer.
    public var ask: SimAsk
    /// Names an independent random stream, so each gate and the traffic stay reproducible.
    public var stream: String

    public init(system: String, user: String, ask: SimAsk, stream: String) {
        self.system = system
        self.user = user
        self.ask = ask
        self.stream = stream
    }
}

public struct ModelResponse: Sendable, Equatable, Codable {
    public var text: String
    public var latencyMs: Double
    public var promptTokens: Int
    public var completionTokens: Int
    /// The request failed (transport error, refusal of service, 5xx); `text` is empty.
    public var failed: Bool
    /// Why it failed, when the provider knows; the simulator's failures are server errors.
    public var failure: RequestFailure?
    /// The provider's own guardrail blocked the exchange (Bedrock's `guardrail_intervened`): a
    /// refusal whatever words the guardrail's message uses. Nil when the provider has none.
    public var guardrailIntervened: Bool?

    public init(text: String, latencyMs: Double, promptTokens: Int, completionTokens: Int, failed: Bool, failure: RequestFailure? = nil) {
        self.text = text
        self.latencyMs = latencyMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.failed = failed || failure != nil
        self.failure = failure
    }

    /// A failed request, with its reason.
    public static func failed(_ failure: RequestFailure, latencyMs: Double = 0) -> ModelResponse {
        ModelResponse(text: "", latencyMs: latencyMs, promptTokens: 0, completionTokens: 0, failed: true, failure: failure)
    }

    /// The failure of a failed response, named even when the provider gave no reason.
    public var error: RequestFailure? {
        guard failed else { return nil }
        return failure ?? RequestFailure(.server, status: 500, message: "the simulated endpoint failed")
    }
}

/// A GenAI endpoint serving one app version.
public protocol ModelProvider: Sendable {
    /// Everything that determines this provider's answers (kind, model, pinned version, settings),
    /// for the response cache: a change to any of it must miss.
    var identity: String { get }
    /// Answers come from this process (the simulator): waits between retries may run on a
    /// virtual clock. A real endpoint's `Retry-After` is honoured in real seconds.
    var isSimulated: Bool { get }
    func complete(_ request: ModelRequest) async -> ModelResponse
}

extension ModelProvider {
    public var isSimulated: Bool { false }
}
