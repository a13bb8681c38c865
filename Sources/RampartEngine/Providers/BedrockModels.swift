import Foundation
import RampartAWS
import RampartCore

/// The LLM judge's grader on Bedrock: one Converse call at temperature 0, retried like every
/// AWS call (the standard mode: throttling and server errors, three attempts).
public struct BedrockChat: ChatModel {
    public var spec: BedrockVariantSpec
    public var client: AWSClient

    public init(spec: BedrockVariantSpec, client: AWSClient) {
        self.spec = spec
        self.spec.temperature = 0
        self.client = client
    }

    public var identity: String { "bedrock|\(client.region)|\(spec.modelID)" }

    public func reply(system: String, user: String) async throws(RequestFailure) -> String {
        try await BedrockProvider.converse(spec, client: client, system: system, user: user).text
    }
}

/// Embeddings on Bedrock through InvokeModel: Amazon Titan Text Embeddings (`inputText` in,
/// `embedding` out) or Cohere Embed (`texts` in, `embeddings` out), by the model id's maker.
public struct BedrockEmbeddings: EmbeddingModel {
    public var modelID: String
    public var client: AWSClient

    public init(modelID: String, client: AWSClient) {
        self.modelID = modelID
        self.client = client
    }

    var isCohere: Bool { modelID.hasPrefix("cohere.") || modelID.contains(".cohere.") || modelID.contains("/cohere.") }

    public func embed(_ text: String) async throws(RequestFailure) -> [Double] {
        let request: [String: Any] = isCohere ? ["texts": [text], "input_type": "search_document"] : ["inputText": text]
        let body: [UInt8]
        do {
            body = Array(try JSONSerialization.data(withJSONObject: request, options: [.sortedKeys]))
        } catch {
            throw RequestFailure(.badRequest, message: "cannot encode the embeddings request")
        }
        let bytes: [UInt8]
        do {
            bytes = try await client.restJSON("POST", path: "/model/\(SigV4.encode(modelID))/invoke", body: body)
        } catch {
            var failure = error.requestFailure
            if case .service(let e) = error { failure.message = "Bedrock \(e.code) for model \(modelID) in \(client.region): \(e.message)" }
            throw failure
        }
        let json = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        let vector = (json?["embedding"] as? [NSNumber]) ?? ((json?["embeddings"] as? [[NSNumber]])?.first)
        guard let vector, !vector.isEmpty else {
            throw RequestFailure(.malformed, status: 200, message: "Bedrock model \(modelID) answered without an embedding")
        }
        return vector.map(\.doubleValue)
    }
}
