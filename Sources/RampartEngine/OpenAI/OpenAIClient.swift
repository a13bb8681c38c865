import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small client for OpenAI-compatible servers (vLLM, llama.cpp, Ollama, LiteLLM, OpenAI):
/// chat completions and embeddings, with a timeout, retries with jittered backoff on transient
/// failures, and `429` / `Retry-After` honoured. The API key is read from the environment
/// variable the spec names and never leaves this type: errors and logs name the variable only.
public struct OpenAIClient: Sendable {
    public var baseURL: URL
    public var apiKeyVariable: String?
    public var timeout: Double
    public var retries: Int
    /// Waits between attempts; injected so tests never sleep.
    public var sleep: @Sendable (Double) async -> Void

    public init(baseURL: URL, apiKeyVariable: String? = nil, timeout: Double = 60, retries: Int = 3,
                sleep: @escaping @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) }) {
        self.baseURL = baseURL
        self.apiKeyVariable = apiKeyVariable
        self.timeout = timeout
        self.retries = retries
        self.sleep = sleep
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var status: Int?
        public var message: String
        public var description: String { status.map { "HTTP \($0): \(message)" } ?? message }
    }

    public struct Chat: Sendable, Equatable {
        public var text: String
        public var promptTokens: Int
        public var completionTokens: Int
        public var finishReason: String?
    }

    public func chat(model: String, system: String?, user: String, temperature: Double? = nil, maxTokens: Int? = nil, seed: Int? = nil) async throws(Failure) -> Chat {
        var messages: [[String: String]] = []
        if let system, !system.isEmpty { messages.append(["role": "system", "content": system]) }
        messages.append(["role": "user", "content": user])
        var body: [String: Any] = ["model": model, "messages": messages]
        if let temperature { body["temperature"] = temperature }
        if let maxTokens { body["max_tokens"] = maxTokens }
        if let seed { body["seed"] = seed }
        let json = try await post("chat/completions", body)
        guard let choices = json["choices"] as? [[String: Any]], let first = choices.first,
              let message = first["message"] as? [String: Any] else {
            throw Failure(status: nil, message: "the response has no choices[0].message")
        }
        let usage = json["usage"] as? [String: Any]
        return Chat(
            text: (message["content"] as? String) ?? "", promptTokens: (usage?["prompt_tokens"] as? Int) ?? 0,
            completionTokens: (usage?["completion_tokens"] as? Int) ?? 0, finishReason: first["finish_reason"] as? String)
    }

    public func embeddings(model: String, inputs: [String]) async throws(Failure) -> [[Double]] {
        let json = try await post("embeddings", ["model": model, "input": inputs])
        guard let data = json["data"] as? [[String: Any]], data.count == inputs.count else {
            throw Failure(status: nil, message: "expected \(inputs.count) embeddings in data[]")
        }
        let sorted = data.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
        return try sorted.map { item throws(Failure) in
            guard let vector = item["embedding"] as? [NSNumber] else { throw Failure(status: nil, message: "an embedding is not a list of numbers") }
            return vector.map(\.doubleValue)
        }
    }

    func post(_ path: String, _ body: [String: Any]) async throws(Failure) -> [String: Any] {
        var request = URLRequest(url: baseURL.appendingPathComponent(path), timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let variable = apiKeyVariable {
            guard let key = ProcessInfo.processInfo.environment[variable], !key.isEmpty else {
                throw Failure(status: nil, message: "the API key variable \(variable) is not set")
            }
            request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
        }
        do {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
        } catch {
            throw Failure(status: nil, message: "cannot encode the request")
        }
        var last = Failure(status: nil, message: "no attempt made")
        for attempt in 0...retries {
            do {
                let (data, response) = try await HTTPDeadline.data(for: request, within: timeout)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) {
                    guard let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                        throw Failure(status: status, message: "the response is not a JSON object")
                    }
                    return json
                }
                last = Failure(status: status, message: Self.errorMessage(data))
                let transient = status == 429 || status >= 500
                guard transient, attempt < retries else { throw last }
                let retryAfter = (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Retry-After").flatMap(Double.init)
                await sleep(retryAfter ?? Self.backoff(attempt))
            } catch let failure as Failure {
                throw failure
            } catch {
                let timedOut = (error as? URLError)?.code == .timedOut
                last = Failure(status: nil, message: timedOut ? "no answer within \(String(format: "%g", timeout)) s" : "transport: \(error.localizedDescription)")
                guard attempt < retries else { throw last }
                await sleep(Self.backoff(attempt))
            }
        }
        throw last
    }

    /// Exponential backoff with full jitter: up to 0.5 s, 1 s, 2 s… (capped at 30 s).
    static func backoff(_ attempt: Int) -> Double {
        min(30, 0.5 * pow(2, Double(attempt))) * Double.random(in: 0.5...1)
    }

    static func errorMessage(_ data: Data) -> String {
        if let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let error = json["error"] as? [String: Any], let message = error["message"] as? String {
            return String(message.prefix(300))
        }
        return String(decoding: data.prefix(300), as: UTF8.self)
    }
}
