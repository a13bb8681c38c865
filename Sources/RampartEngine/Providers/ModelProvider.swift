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
    /// The request failed (transport error or 5xx); `text` is empty.
    public var failed: Bool

    public init(text: String, latencyMs: Double, promptTokens: Int, completionTokens: Int, failed: Bool) {
        self.text = text
        self.latencyMs = latencyMs
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.failed = failed
    }
}

/// A GenAI endpoint serving one app version.
public protocol ModelProvider: Sendable {
    /// Everything that determines this provider's answers (kind, model, pinned version, settings),
    /// for the response cache: a change to any of it must miss.
    var identity: String { get }
    func complete(_ request: ModelRequest) async -> ModelResponse
}
