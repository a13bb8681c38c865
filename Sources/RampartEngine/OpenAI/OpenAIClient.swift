import Foundation
import RampartCore
import RampartNet

/// A small client for OpenAI-compatible servers (vLLM, llama.cpp, Ollama, LiteLLM, OpenAI):
/// chat completions and embeddings, with a deadline per attempt and the one `RetryPolicy`
/// (408, 409, 429, 5xx and lost connections are retried, `Retry-After` is honoured; a 400, 401
/// or 404 is final at once). The API key is the value of the variable the spec names in the
/// environment it was given, and never leaves this type: errors and logs name the variable only.
public struct OpenAIClient: Sendable {
    public var baseURL: URL
    public var apiKeyVariable: String?
    public var timeout: Double
    public var retries: Int
    /// Sent with every request (a gateway's routing or tenant headers); never logged.
    public var headers: [String: String]
    /// Where the key is looked up: the run's environment, handed over by whoever built the client.
    var environment: [String: String]
    /// Waits between attempts; injected so tests never sleep.
    public var sleep: @Sendable (Double) async -> Void

    public init(
        baseURL: URL, apiKeyVariable: String? = nil, timeout: Double = 60, retries: Int = 3, headers: [String: String] = [:],
        environment: [String: String] = ProcessInfo.processInfo.environment,
        sleep: @escaping @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) }
    ) {
        self.environment = environment
        self.baseURL = baseURL
        self.apiKeyVariable = apiKeyVariable
        self.timeout = timeout
        self.retries = retries
        self.headers = headers
        self.sleep = sleep
    }

    public typealias Failure = RequestFailure

    public struct Chat: Sendable, Equatable {
        public var text: String
        public var promptTokens: Int
        public var completionTokens: Int
        public var finishReason: String?
    }

    public func chat(model: String, system: String?, user: String, temperature: Double? = nil, maxTokens: Int? = nil, seed: Int? = nil)
        async throws(Failure) -> Chat
    {
        var messages: [[String: String]] = []
        if let system, !system.isEmpty { messages.append(["role": "system", "content": system]) }
        messages.append(["role": "user", "content": user])
        var body: [String: Any] = ["model": model, "messages": messages]
        if let temperature { body["temperature"] = temperature }
        if let maxTokens { body["max_tokens"] = maxTokens }
        if let seed { body["seed"] = seed }
        let json = try await post("chat/completions", body)
        guard let choices = json["choices"] as? [[String: Any]], let first = choices.first,
            let message = first["message"] as? [String: Any]
        else {
            throw Failure(.malformed, message: "the response has no choices[0].message")
        }
        let usage = json["usage"] as? [String: Any]
        return Chat(
            text: (message["content"] as? String) ?? "", promptTokens: (usage?["prompt_tokens"] as? Int) ?? 0,
            completionTokens: (usage?["completion_tokens"] as? Int) ?? 0, finishReason: first["finish_reason"] as? String)
    }

    public func embeddings(model: String, inputs: [String]) async throws(Failure) -> [[Double]] {
        let json = try await post("embeddings", ["model": model, "input": inputs])
        guard let data = json["data"] as? [[String: Any]], data.count == inputs.count else {
            throw Failure(.malformed, message: "expected \(inputs.count) embeddings in data[]")
        }
        let sorted = data.sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
        return try sorted.map { item throws(Failure) in
            guard let vector = item["embedding"] as? [NSNumber] else { throw Failure(.malformed, message: "an embedding is not a list of numbers") }
            return vector.map(\.doubleValue)
        }
    }

    /// The key from the environment, or the failure that says which variable to set.
    public static func key(_ variable: String?, environment: [String: String]) throws(Failure) -> String? {
        guard let variable else { return nil }
        guard let key = environment[variable], !key.isEmpty else {
            throw Failure(.missingKey, message: "the API key variable \(variable) is not set")
        }
        return key
    }

    /// `Bearer KEY` for the variable, nil when it names none or is unset (the preflight has
    /// already said so for a spec's variables).
    public static func bearer(_ variable: String?, environment: [String: String]) -> String? {
        (try? key(variable, environment: environment))?.map { "Bearer \($0)" }
    }

    func post(_ path: String, _ body: [String: Any]) async throws(Failure) -> [String: Any] {
        let url = baseURL.appendingPathComponent(path)
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        for (name, value) in self.headers { headers.append((name, value)) }
        if let key = try Self.key(apiKeyVariable, environment: environment) { headers.append(("Authorization", "Bearer \(key)")) }
        let encoded: [UInt8]
        do {
            encoded = Array(try JSONSerialization.data(withJSONObject: body))
        } catch {
            throw Failure(.badRequest, message: "cannot encode the request")
        }
        let policy = RetryPolicy(retries: retries)
        var attempt = 0
        while true {
            let failure: Failure
            switch await once(url, headers: headers, body: encoded) {
            case .success(let json): return json
            case .failure(let f): failure = f
            }
            guard let wait = policy.delay(after: failure, attempt: attempt, jitter: Double.random(in: 0..<1)) else { throw failure }
            await sleep(wait)
            attempt += 1
        }
    }

    /// One attempt against the deadline.
    private func once(_ url: URL, headers: [(String, String)], body: [UInt8]) async -> Result<[String: Any], Failure> {
        let response: ServiceHTTP.Response
        do {
            response = try await ServiceHTTP.send("POST", url.absoluteString, headers: headers, body: body, timeout: timeout)
        } catch {
            return .failure(error.requestFailure(host: ServiceHTTP.hostName(url), timeout: timeout))
        }
        if (200..<300).contains(response.status) {
            guard let json = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
                return .failure(Failure(.malformed, status: response.status, message: "the response is not a JSON object"))
            }
            return .success(json)
        }
        let retryAfter = RetryPolicy.retryAfter(response.header("Retry-After"))
        return .failure(.http(status: response.status, message: Self.errorMessage(Data(response.body)), retryAfter: retryAfter))
    }

    static func errorMessage(_ data: Data) -> String {
        if let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let error = json["error"] as? [String: Any], let message = error["message"] as? String
        {
            return String(message.prefix(300))
        }
        return String(decoding: data.prefix(300), as: UTF8.self)
    }
}
