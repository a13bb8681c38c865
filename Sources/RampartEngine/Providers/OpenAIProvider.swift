import Foundation
import RampartCore

/// A version served by an OpenAI-compatible server. Gates, the in-process canary traffic and
/// (through the proxy's upstreams) the HTTP canary all call it the same way: the rendered prompt
/// template as the system message, the case's input as the user message.
///
/// One call is one attempt: the caller (a gate's retry loop, the canary) owns retries, so they
/// are never multiplied. A call that fails is a failed response carrying its `RequestFailure`,
/// never a crash and never an empty answer to be scored.
public struct OpenAIProvider: ModelProvider {
    public let client: OpenAIClient
    public let spec: OpenAIVariantSpec

    public init(spec: OpenAIVariantSpec, client: OpenAIClient? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.spec = spec
        self.client =
            client
            ?? OpenAIClient(
                // The spec loader accepts only http(s) URLs for base_url; a placeholder that
                // cannot be reached fails the request, it never crashes.
                baseURL: URL(string: spec.endpoint.baseURL) ?? URL(fileURLWithPath: "/"), apiKeyVariable: spec.endpoint.apiKeyEnv,
                timeout: spec.endpoint.timeout, retries: 0,
                headers: spec.endpoint.headers, environment: environment)
    }

    public var identity: String {
        "openai|\(spec.endpoint.baseURL)|\(spec.endpoint.model)|t:\(spec.temperature.map { "\($0)" } ?? "-")|max:\(spec.maxTokens.map(String.init) ?? "-")|seed:\(spec.seed.map(String.init) ?? "-")"
    }

    public func complete(_ request: ModelRequest) async -> ModelResponse {
        let started = ContinuousClock.now
        // The case's input (an injection case's attack), as the gate or the traffic put it.
        let user = request.user
        do {
            let chat = try await client.chat(
                model: spec.endpoint.model, system: request.system, user: user, temperature: spec.temperature, maxTokens: spec.maxTokens,
                seed: spec.seed)
            return ModelResponse(
                text: chat.text, latencyMs: Self.ms(since: started), promptTokens: chat.promptTokens, completionTokens: chat.completionTokens,
                failed: false)
        } catch {
            return .failed(error, latencyMs: Self.ms(since: started))
        }
    }

    static func ms(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
