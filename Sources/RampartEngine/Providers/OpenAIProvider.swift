import Foundation
import RampartCore

/// A version served by an OpenAI-compatible server. Gates, the in-process canary traffic and
/// (through the proxy's upstreams) the HTTP canary all call it the same way: the rendered prompt
/// template as the system message, the case's input as the user message.
///
/// A call that fails after the client's retries is a failed response for that version, never a
/// crash; the latency is the real wall time including retries.
public struct OpenAIProvider: ModelProvider {
    public let client: OpenAIClient
    public let spec: OpenAIVariantSpec

    public init(spec: OpenAIVariantSpec, client: OpenAIClient? = nil) {
        self.spec = spec
        self.client = client ?? OpenAIClient(
            baseURL: URL(string: spec.endpoint.baseURL)!, apiKeyVariable: spec.endpoint.apiKeyEnv, timeout: spec.endpoint.timeout)
    }

    public var identity: String {
        "openai|\(spec.endpoint.baseURL)|\(spec.endpoint.model)|t:\(spec.temperature.map { "\($0)" } ?? "-")|max:\(spec.maxTokens.map(String.init) ?? "-")|seed:\(spec.seed.map(String.init) ?? "-")"
    }

    public func complete(_ request: ModelRequest) async -> ModelResponse {
        let started = ContinuousClock.now
        let user: String
        switch request.ask {
        case .golden(let item): user = item.input
        case .guardrail(let c): user = c.input
        case .injection(let c): user = c.attack
        }
        do {
            let chat = try await client.chat(
                model: spec.endpoint.model, system: request.system, user: user, temperature: spec.temperature, maxTokens: spec.maxTokens, seed: spec.seed)
            return ModelResponse(text: chat.text, latencyMs: Self.ms(since: started), promptTokens: chat.promptTokens, completionTokens: chat.completionTokens, failed: false)
        } catch {
            return ModelResponse(text: "", latencyMs: Self.ms(since: started), promptTokens: 0, completionTokens: 0, failed: true)
        }
    }

    static func ms(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
