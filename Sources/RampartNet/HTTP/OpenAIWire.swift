import Foundation

/// The OpenAI-compatible documents Rampart itself writes (the sim upstreams' answers, the load
/// generator's requests, error bodies), as `Codable` types: a quote or a control character in a
/// prompt or an answer can never break the JSON a client parses.
public enum OpenAIWire {
    public struct Message: Codable, Sendable, Equatable {
        public var role: String
        public var content: String
    }

    public struct ChatRequest: Codable, Sendable, Equatable {
        public var model: String
        public var messages: [Message]
        /// Absent unless true, as clients send it.
        public var stream: Bool?
    }

    public struct Usage: Codable, Sendable, Equatable {
        public var promptTokens: Int
        public var completionTokens: Int?
        public var totalTokens: Int

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", totalTokens = "total_tokens"
        }
    }

    public struct ChatCompletion: Codable, Sendable, Equatable {
        public struct Choice: Codable, Sendable, Equatable {
            public var index: Int
            public var message: Message
            public var finishReason: String

            enum CodingKeys: String, CodingKey { case index, message, finishReason = "finish_reason" }
        }

        public var id = "chatcmpl-sim"
        public var object = "chat.completion"
        public var model: String
        public var choices: [Choice]
        public var usage: Usage
    }

    public struct Embedding: Codable, Sendable, Equatable {
        public var object = "embedding"
        public var index: Int
        public var embedding: [Double]
    }

    public struct List<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
        public var object = "list"
        public var data: [Item]
        public var model: String?
        public var usage: Usage?
    }

    public struct Model: Codable, Sendable, Equatable {
        public var id: String
        public var object = "model"
    }

    public struct ErrorBody: Codable, Sendable, Equatable {
        public struct Detail: Codable, Sendable, Equatable {
            public var message: String
            public var type: String
        }

        public var error: Detail
    }

    /// Keys in a fixed order, so a recorded or compared body is the same bytes each time.
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// The document's bytes. Encoding these types cannot fail (strings, integers and finite
    /// numbers only); a non-finite number would, and is written as an error document instead.
    public static func encode(_ value: some Encodable) -> [UInt8] {
        if let data = try? encoder.encode(value) { return Array(data) }
        return Array(#"{"error":{"message":"unencodable document","type":"server_error"}}"#.utf8)
    }
}

extension HTTPResponseMessage {
    public static func json(_ status: Int, _ document: some Encodable) -> HTTPResponseMessage {
        HTTPResponseMessage(status: status, headers: [("Content-Type", "application/json")], body: OpenAIWire.encode(document))
    }
}
