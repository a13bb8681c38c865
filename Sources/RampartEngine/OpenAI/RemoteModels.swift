import Foundation
import RampartCore

/// A model that answers one prompt with text: what the LLM judge grades with, on an
/// OpenAI-compatible server or on Bedrock.
public protocol ChatModel: Sendable {
    /// Names the model for the judge's cache key: a change of grader must miss the cache.
    var identity: String { get }
    func reply(system: String, user: String) async throws(RequestFailure) -> String
}

/// A model that turns a text into a vector, for `embedding_cosine`.
public protocol EmbeddingModel: Sendable {
    func embed(_ text: String) async throws(RequestFailure) -> [Double]
}

/// Chat completions on an OpenAI-compatible server, at temperature 0.
public struct OpenAIChat: ChatModel {
    public var client: OpenAIClient
    public var model: String

    public init(client: OpenAIClient, model: String) {
        self.client = client
        self.model = model
    }

    /// The model's name alone, as the judge's cache keys have always had it.
    public var identity: String { model }

    public func reply(system: String, user: String) async throws(RequestFailure) -> String {
        try await client.chat(model: model, system: system, user: user, temperature: 0).text
    }
}

/// The embeddings endpoint of an OpenAI-compatible server.
public struct OpenAIEmbeddings: EmbeddingModel {
    public var client: OpenAIClient
    public var model: String

    public init(client: OpenAIClient, model: String) {
        self.client = client
        self.model = model
    }

    public func embed(_ text: String) async throws(RequestFailure) -> [Double] {
        guard let v = try await client.embeddings(model: model, inputs: [text]).first else {
            throw RequestFailure(.malformed, message: "the embeddings endpoint sent no vector")
        }
        return v
    }
}
