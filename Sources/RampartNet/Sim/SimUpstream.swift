import Foundation
import RampartCore
import Synchronization

/// A version's sim model served as an OpenAI-compatible HTTP server on loopback, so the demo's
/// canary traffic takes the same path a real deployment's does: client → proxy → upstream.
///
/// It answers the golden dataset's prompts with the profile's fidelity, waits the profile's
/// latency for real, and fails at its error rate with a 500, as a real server would.
public final class SimUpstream: Sendable {
    public let model: SimModel
    public let name: String
    private let items: [String: GoldenItem]
    private let rng: Mutex<SeededRandom>
    /// Real seconds slept per simulated second of latency (1 in a live run).
    private let timeScale: Double

    public init(model: SimModel, name: String, items: [GoldenItem], seed: UInt64, timeScale: Double = 1) {
        self.model = model
        self.name = name
        self.items = Dictionary(items.map { ($0.input, $0) }, uniquingKeysWith: { a, _ in a })
        self.rng = Mutex(SeededRandom(seed: seed, stream: "upstream:\(name)"))
        self.timeScale = timeScale
    }

    public func serve(host: String = "127.0.0.1", port: Int = 0) async throws -> HTTPServer {
        try await HTTPServer.start(.tcp(host: host, port: port)) { [self] request in await self.handle(request) }
    }

    public func handle(_ request: HTTPRequestMessage) async -> HTTPResponseMessage {
        switch (request.method, request.path) {
        case ("POST", "/v1/chat/completions"): return await chat(request)
        case ("POST", "/v1/embeddings"): return embeddings(request)
        case ("GET", "/v1/models"): return .json(200, OpenAIWire.List(data: [OpenAIWire.Model(id: name)]))
        case ("GET", "/healthz"): return .json(200, #"{"status":"ok"}"#)
        default: return .error(404, "no route for \(request.method) \(request.path)", type: "not_found")
        }
    }

    private func chat(_ request: HTTPRequestMessage) async -> HTTPResponseMessage {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any],
            let messages = object["messages"] as? [[String: Any]]
        else { return .error(400, "body must be a JSON object with a 'messages' array", type: "invalid_request_error") }
        let user = messages.last { ($0["role"] as? String) == "user" }?["content"] as? String ?? ""
        let item = items[user] ?? GoldenItem(id: "adhoc", input: user, references: [SimUpstream.genericAnswer])
        let reply = rng.withLock { model.respond(to: .golden(item), rng: &$0) }
        if reply.latencyMs > 0 {
            try? await Task.sleep(for: .microseconds(Int64(reply.latencyMs * 1000 * timeScale)))
        }
        if reply.failed {
            return .error(500, "simulated upstream failure", type: "server_error")
        }
        let usage = OpenAIWire.Usage(
            promptTokens: reply.promptTokens, completionTokens: reply.completionTokens, totalTokens: reply.promptTokens + reply.completionTokens)
        let answer = OpenAIWire.ChatCompletion(
            model: name, choices: [.init(index: 0, message: .init(role: "assistant", content: reply.text), finishReason: "stop")], usage: usage)
        return .json(200, answer)
    }

    /// A bag-of-words hash embedding: deterministic, and similar texts get similar vectors.
    private func embeddings(_ request: HTTPRequestMessage) -> HTTPResponseMessage {
        guard let object = try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any] else {
            return .error(400, "body must be a JSON object with 'input'", type: "invalid_request_error")
        }
        let inputs: [String] = (object["input"] as? [String]) ?? ((object["input"] as? String).map { [$0] } ?? [])
        var data: [OpenAIWire.Embedding] = []
        var tokens = 0
        for (i, text) in inputs.enumerated() {
            var v = [Double](repeating: 0, count: 64)
            for word in text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
                v[Int(StickyHash.fnv1a(String(word)) % 64)] += 1
                tokens += 1
            }
            let norm = max(1e-12, v.reduce(0) { $0 + $1 * $1 }.squareRoot())
            data.append(OpenAIWire.Embedding(index: i, embedding: v.map { $0 / norm }))
        }
        return .json(200, OpenAIWire.List(data: data, model: name, usage: .init(promptTokens: tokens, totalTokens: tokens)))
    }

    static let genericAnswer = "Thanks for reaching out. I can help with that: could you share a few more details so I can look into it?"
}
