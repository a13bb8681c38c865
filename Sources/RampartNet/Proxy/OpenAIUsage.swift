import Foundation
import RampartCore

/// The parts of an OpenAI-compatible answer the proxy needs: token usage and the answer text.
public struct OpenAIUsage: Sendable, Equatable {
    public var promptTokens: Int
    public var completionTokens: Int
    /// `choices[0].message.content` for chat completions; nil for embeddings.
    public var text: String?

    /// Parses a 2xx body; nil when it is not the JSON object an OpenAI-compatible server sends.
    /// Read off the bytes when the scan is sure, else through `JSONSerialization` (same answer).
    public static func parse(_ body: [UInt8], path: String) -> OpenAIUsage? {
        parse(body, chat: path.hasSuffix("/chat/completions"), embeddings: path.hasSuffix("/embeddings"))
    }

    /// The same, for an answer to a chat completion (`chat`), to embeddings, or to another path.
    static func parse(_ body: [UInt8], chat: Bool, embeddings: Bool) -> OpenAIUsage? {
        switch OpenAIAnswerScan.scan(body, chat: chat, embeddings: embeddings) {
        case .answer(let prompt, let completion, let text)?: return OpenAIUsage(promptTokens: prompt, completionTokens: completion, text: text)
        case .malformed?: return nil
        case nil: return foundationParse(body, chat: chat, embeddings: embeddings)
        }
    }

    /// The reference reading, and the fallback.
    static func foundationParse(_ body: [UInt8], path: String) -> OpenAIUsage? {
        foundationParse(body, chat: path.hasSuffix("/chat/completions"), embeddings: path.hasSuffix("/embeddings"))
    }

    private static func foundationParse(_ body: [UInt8], chat: Bool, embeddings: Bool) -> OpenAIUsage? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        let usage = object["usage"] as? [String: Any]
        let prompt = (usage?["prompt_tokens"] as? NSNumber)?.intValue ?? 0
        let completion = (usage?["completion_tokens"] as? NSNumber)?.intValue ?? 0
        if chat {
            guard let choices = object["choices"] as? [[String: Any]], let first = choices.first else { return nil }
            let message = first["message"] as? [String: Any]
            return OpenAIUsage(promptTokens: prompt, completionTokens: completion, text: message?["content"] as? String ?? "")
        }
        if embeddings {
            guard object["data"] is [Any] else { return nil }
        }
        return OpenAIUsage(promptTokens: prompt, completionTokens: completion, text: nil)
    }
}
