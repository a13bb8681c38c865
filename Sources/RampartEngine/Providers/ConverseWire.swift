import Foundation
import RampartCore

/// The Converse API's request and response bodies, as botocore's service definition for
/// `bedrock-runtime` (2023-09-30) shapes them.
public enum ConverseWire {
    struct Text: Codable { var text: String }
    struct Message: Codable {
        var role: String
        var content: [Text]
    }
    struct InferenceConfig: Codable {
        var maxTokens: Int?
        var temperature: Double?
        var topP: Double?
        var stopSequences: [String]?
    }
    struct GuardrailConfig: Codable {
        var guardrailIdentifier: String
        var guardrailVersion: String
        var trace: String
    }
    struct Request: Codable {
        var messages: [Message]
        var system: [Text]?
        var inferenceConfig: InferenceConfig?
        var guardrailConfig: GuardrailConfig?
    }

    /// Converse refuses an empty text block, so an empty system prompt is left out.
    static func request(_ spec: BedrockVariantSpec, system: String, user: String) throws -> [UInt8] {
        var config = InferenceConfig(maxTokens: spec.maxTokens, temperature: spec.temperature, topP: spec.topP)
        if !spec.stopSequences.isEmpty { config.stopSequences = spec.stopSequences }
        let anyConfig = config.maxTokens != nil || config.temperature != nil || config.topP != nil || config.stopSequences != nil
        let body = Request(
            messages: [Message(role: "user", content: [Text(text: user)])],
            system: system.isEmpty ? nil : [Text(text: system)], inferenceConfig: anyConfig ? config : nil,
            guardrailConfig: spec.guardrail.map {
                GuardrailConfig(guardrailIdentifier: $0.identifier, guardrailVersion: $0.version, trace: "disabled")
            })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(body))
    }

    public struct Answer: Sendable, Equatable {
        public var text: String
        public var stopReason: String
        public var inputTokens: Int
        public var outputTokens: Int
    }

    struct Response: Decodable {
        struct Output: Decodable { var message: Content? }
        struct Content: Decodable {
            var role: String?
            var content: [Block]
        }
        /// A content block; only text blocks carry an answer (others: tool use, reasoning).
        struct Block: Decodable { var text: String? }
        struct Usage: Decodable {
            var inputTokens: Int
            var outputTokens: Int
        }
        var output: Output
        var stopReason: String
        var usage: Usage
    }

    /// The answer's text (its text blocks joined), why it stopped and the tokens used; nil when
    /// the body is not a Converse response.
    static func answer(_ bytes: [UInt8]) -> Answer? {
        guard let r = try? JSONDecoder().decode(Response.self, from: Data(bytes)), let message = r.output.message else { return nil }
        let text = message.content.compactMap(\.text).joined()
        return Answer(text: text, stopReason: r.stopReason, inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens)
    }
}
