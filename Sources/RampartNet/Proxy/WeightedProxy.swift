import Foundation
import RampartCore
import Synchronization

/// One version's OpenAI-compatible server, as the proxy reaches it.
public struct ProxyUpstream: Sendable {
    public let pool: HTTPClientPool
    /// Prepended to the request path: `/openai` for a base URL of `http://host/openai/v1`.
    public let pathPrefix: String
    public let pricing: Pricing

    public init(pool: HTTPClientPool, pathPrefix: String = "", pricing: Pricing = Pricing()) {
        self.pool = pool
        self.pathPrefix = pathPrefix
        self.pricing = pricing
    }

    /// From a base URL such as `http://127.0.0.1:9001` or `http://host:4000/v1`.
    public init?(baseURL: String, pricing: Pricing = Pricing()) {
        guard let url = URL(string: baseURL), url.scheme == "http", let host = url.host else { return nil }
        var prefix = url.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if prefix.hasSuffix("/v1") { prefix.removeLast(3) }
        self.init(pool: HTTPClientPool(host: host, port: url.port ?? 80), pathPrefix: prefix, pricing: pricing)
    }
}

/// What the proxy saw of one exchange, for whoever records it: the observation, plus what an
/// online scorer needs (the dataset item a synthetic request came from, and the answer).
public struct ProxyExchange: Sendable {
    public var observation: Observation
    /// `x-rampart-item` from the load generator: which golden item the prompt came from.
    public var itemID: String?
    public var answer: String?
}

/// The weighted reverse proxy: each request goes to the baseline or the candidate by the current
/// weight (or by a hash of the sticky header), and is measured on the way back.
///
/// The weight is read once per request when it is routed, so a change applies to the next
/// request and never disturbs one in flight.
public final class WeightedProxy: Sendable {
    public let baseline: ProxyUpstream
    public let candidate: ProxyUpstream
    public let stickyHeader: String?
    public let timeout: Double
    private let weightBits = Atomic<UInt64>(0.0.bitPattern)
    private let counters = Mutex(ProxyCounters())
    private let onExchange: @Sendable (ProxyExchange) -> Void

    public init(
        baseline: ProxyUpstream, candidate: ProxyUpstream, stickyHeader: String? = nil, timeout: Double = 30,
        onExchange: @escaping @Sendable (ProxyExchange) -> Void = { _ in }
    ) {
        self.baseline = baseline
        self.candidate = candidate
        self.stickyHeader = stickyHeader?.lowercased()
        self.timeout = timeout
        self.onExchange = onExchange
    }

    public var weight: Double { Double(bitPattern: weightBits.load(ordering: .relaxed)) }

    public struct WeightOutOfRange: Error, CustomStringConvertible {
        public let value: Double
        public var description: String { "weight must be 0...100, got \(value)" }
    }

    public func setWeight(_ percent: Double) throws(WeightOutOfRange) {
        guard percent.isFinite, (0...100).contains(percent) else { throw WeightOutOfRange(value: percent) }
        weightBits.store(percent.bitPattern, ordering: .relaxed)
    }

    /// Starts serving on `host:port` (0 picks a free port). With `pinned`, the listener is a
    /// meter: every request goes to that version whatever the weight, because a router in front
    /// (nginx) has already chosen it; the counters and observations are the same as the split's.
    public func serve(host: String, port: Int, pinned: Variant? = nil) async throws -> HTTPServer {
        try await HTTPServer.start(.tcp(host: host, port: port)) { [self] request in await self.handle(request, pinned: pinned) }
    }

    public func handle(_ request: HTTPRequestMessage, pinned: Variant? = nil) async -> HTTPResponseMessage {
        switch (request.method, request.path) {
        case ("GET", "/healthz"):
            return .json(200, #"{"status":"ok","weight":\#(weight)}"#)
        case ("GET", "/metrics"):
            let text = counters.withLock { $0.render(weight: weight, only: pinned) }
            return .plain(200, text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        case ("POST", "/v1/chat/completions"), ("POST", "/v1/embeddings"), ("GET", "/v1/models"):
            return await forward(request, to: pinned ?? route(request))
        default:
            return .error(404, "no route for \(request.method) \(request.path); the proxy serves /v1/chat/completions, /v1/embeddings, /v1/models, /healthz and /metrics", type: "not_found")
        }
    }

    /// Which arm serves this request.
    public func route(_ request: HTTPRequestMessage) -> Variant {
        let w = weight
        if w <= 0 { return .baseline }
        if w >= 100 { return .candidate }
        if let name = stickyHeader, let key = request.header(name), !key.isEmpty {
            return StickyHash.isCandidate(key, weight: w) ? .candidate : .baseline
        }
        return Double.random(in: 0..<100) < w ? .candidate : .baseline
    }

    private func forward(_ request: HTTPRequestMessage, to variant: Variant) async -> HTTPResponseMessage {
        let upstream = variant == .candidate ? candidate : baseline
        var outgoing = request
        outgoing.uri = upstream.pathPrefix + request.uri
        outgoing.headers = request.headers.filter { !ProxyHeaderRules.hopByHop.contains($0.name.lowercased()) }
        let started = ContinuousClock.now
        var response: HTTPResponseMessage
        var failed = false
        var usage: OpenAIUsage?
        do {
            response = try await upstream.pool.send(outgoing, timeout: timeout)
            if (200..<300).contains(response.status) {
                usage = OpenAIUsage.parse(response.body, path: request.path)
                if usage == nil && request.method == "POST" {
                    failed = true
                    response = .error(502, "the \(variant.rawValue) upstream sent a malformed answer (not OpenAI-compatible JSON)", type: "bad_gateway")
                }
            } else if response.status >= 500 {
                failed = true
            }
        } catch let error as NetError {
            failed = true
            if case .timeout = error {
                response = .error(504, "the \(variant.rawValue) upstream did not answer within \(timeout) s", type: "gateway_timeout")
            } else {
                response = .error(502, "the \(variant.rawValue) upstream failed: \(error)", type: "bad_gateway")
            }
        } catch {
            failed = true
            response = .error(502, "the \(variant.rawValue) upstream failed: \(error)", type: "bad_gateway")
        }
        let elapsed = ContinuousClock.now - started
        let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        let prompt = usage?.promptTokens ?? 0, completion = usage?.completionTokens ?? 0
        let observation = Observation(
            variant: variant, latencyMs: ms, status: response.status, failed: failed, promptTokens: prompt,
            completionTokens: completion, cost: upstream.pricing.cost(promptTokens: prompt, completionTokens: completion),
            synthetic: request.header("x-rampart-synthetic") != nil)
        counters.withLock { $0.record(observation) }
        onExchange(ProxyExchange(observation: observation, itemID: request.header("x-rampart-item"), answer: usage?.text))
        response.headers = response.headers.filter { !ProxyHeaderRules.hopByHop.contains($0.name.lowercased()) && $0.name.lowercased() != "content-length" }
        response.headers.append(("x-rampart-variant", variant.rawValue))
        return response
    }

    /// Records an online quality score in `/metrics` (scoring happens after the answer is sent).
    public func recordQuality(_ variant: Variant, _ score: Double) {
        counters.withLock { c in
            c.arms[variant]!.qualitySum += score
            c.arms[variant]!.qualityCount += 1
        }
    }
}
