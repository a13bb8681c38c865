import Foundation
import RampartAWS
import RampartCore

/// A version served by a model on Amazon Bedrock, through the Converse API: the rendered prompt
/// template as the system prompt, the case's input as the user message, the spec's inference
/// settings and guardrail. Token usage comes from Converse's `usage`, so cost is computed as for
/// any provider.
///
/// As with every provider, one call is one attempt: the gate's retry loop retries throttling
/// (`ThrottlingException`, `ModelNotReadyException`: 429) and server errors, and stops at once
/// on `ValidationException`, `AccessDeniedException` or `ResourceNotFoundException`, whose
/// message names the model and the region.
public struct BedrockProvider: ModelProvider {
    public let spec: BedrockVariantSpec
    /// The client given, without retries of its own: the gate's retry loop owns them, so they
    /// are never multiplied.
    public let client: AWSClient

    public init(spec: BedrockVariantSpec, client: AWSClient) {
        self.spec = spec
        var once = client
        once.retry = RetryPolicy(retries: 0)
        self.client = once
    }

    public var identity: String {
        let g = spec.guardrail.map { "\($0.identifier):\($0.version)" } ?? "-"
        return
            "bedrock|\(client.region)|\(spec.modelID)|t:\(spec.temperature.map { "\($0)" } ?? "-")|max:\(spec.maxTokens.map(String.init) ?? "-")|p:\(spec.topP.map { "\($0)" } ?? "-")|stop:\(spec.stopSequences.joined(separator: "\u{1F}"))|g:\(g)"
    }

    public func complete(_ request: ModelRequest) async -> ModelResponse {
        let started = ContinuousClock.now
        // The case's input (an injection case's attack), as the gate or the traffic put it.
        let user = request.user
        do {
            let answer = try await Self.converse(spec, client: client, system: request.system, user: user)
            var response = ModelResponse(
                text: answer.text, latencyMs: OpenAIProvider.ms(since: started), promptTokens: answer.inputTokens,
                completionTokens: answer.outputTokens, failed: false)
            if answer.stopReason == "guardrail_intervened" { response.guardrailIntervened = true }
            return response
        } catch {
            return .failed(error, latencyMs: OpenAIProvider.ms(since: started))
        }
    }

    /// One Converse call, retried as `client` retries; a failure says which model in which
    /// region refused.
    public static func converse(
        _ spec: BedrockVariantSpec, client: AWSClient, system: String, user: String
    ) async throws(RequestFailure) -> ConverseWire.Answer {
        let body: [UInt8]
        do {
            body = try ConverseWire.request(spec, system: system, user: user)
        } catch {
            throw RequestFailure(.badRequest, message: "cannot encode the Converse request")
        }
        let bytes: [UInt8]
        do {
            bytes = try await client.restJSON("POST", path: "/model/\(SigV4.encode(spec.modelID))/converse", body: body)
        } catch {
            var failure = error.requestFailure
            if case .service(let e) = error {
                failure.message =
                    "Bedrock \(e.code) for model \(spec.modelID) in \(client.region): \(e.message)"
                    + (e.requestID.map { " (request id \($0))" } ?? "")
            }
            throw failure
        }
        guard let answer = ConverseWire.answer(bytes) else {
            throw RequestFailure(
                .malformed, status: 200, message: "Bedrock answered Converse for \(spec.modelID) with a body that is not a Converse response")
        }
        return answer
    }
}
