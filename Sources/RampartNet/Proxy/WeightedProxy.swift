import Foundation
import RampartCore
import Synchronization

/// One version's OpenAI-compatible server, as the proxy reaches it, and what a real gateway
/// needs to hear from it: the version's model name, its key, extra headers.
public struct ProxyUpstream: Sendable {
    public let endpoint: HTTPEndpoint
    /// Prepended to the request path: `/openai` for a base URL of `http://host/openai/v1`.
    public let pathPrefix: String
    public let pricing: Pricing
    /// Replaces the request's `model` (the load generator asks for a placeholder; each version
    /// has its own model id at the gateway). Nil leaves the client's choice alone.
    public var model: String?
    /// The whole `Authorization` value for this version (`Bearer …` from its key variable);
    /// nil forwards the client's own header.
    public var authorization: String? { didSet { outgoingHeaders = OutgoingHeaders(authorization: authorization, headers: headers) } }
    /// Added to every request to this version (tenant, routing headers).
    public var headers: [(name: String, value: String)] = [] {
        didSet { outgoingHeaders = OutgoingHeaders(authorization: authorization, headers: headers) }
    }
    /// What `authorization` and `headers` make of every request, worked out when they change
    /// rather than per request.
    private(set) var outgoingHeaders = OutgoingHeaders(authorization: nil, headers: [])

    public init(endpoint: HTTPEndpoint, pathPrefix: String = "", pricing: Pricing = Pricing()) {
        self.endpoint = endpoint
        self.pathPrefix = pathPrefix
        self.pricing = pricing
    }

    /// From a base URL such as `http://127.0.0.1:9001`, `http://host:4000/v1` or
    /// `https://gateway.internal/v1` (verified against the system's roots and `caFile`).
    public init(baseURL: String, pricing: Pricing = Pricing(), caFile: String?) throws {
        guard let url = URL(string: baseURL), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host else {
            throw NetError.badResponse(baseURL, "not an http(s) URL")
        }
        var prefix = url.path
        while prefix.hasSuffix("/") { prefix.removeLast() }
        if prefix.hasSuffix("/v1") { prefix.removeLast(3) }
        let tls = scheme == "https" ? try HTTPEndpoint.tlsContext(caFile: caFile) : nil
        let endpoint = HTTPEndpoint(host: host, port: url.port ?? (scheme == "https" ? 443 : 80), tls: tls)
        self.init(endpoint: endpoint, pathPrefix: prefix, pricing: pricing)
    }

    /// The request as this version's server should get it; `json` is its body, already parsed
    /// when the proxy needed to look inside.
    func prepare(_ request: HTTPRequestMessage, json: [String: Any]?) -> HTTPRequestMessage {
        var outgoing = request
        outgoing.uri = pathPrefix + request.uri
        let rules = outgoingHeaders
        outgoing.headers = request.headers.filter { !rules.dropped.contains($0.name) } + rules.added
        outgoing.body = body(request.body, json: json)
        return outgoing
    }

    /// A request's body as this version gets it: with the version's model when it has one.
    func body(_ body: [UInt8], json: [String: Any]?) -> [UInt8] {
        guard let model, var object = json else { return body }
        object["model"] = model
        guard let data = try? JSONSerialization.data(withJSONObject: object) else { return body }
        return Array(data)
    }

    /// Which of a client's headers this version's requests leave out, and which they add.
    struct OutgoingHeaders: Sendable {
        /// `Authorization` from the version's key, then its own headers (the last of each name).
        let added: [(name: String, value: String)]
        /// Hop-by-hop headers, and the client's own of any name the version sets.
        let dropped: HeaderNameSet

        init(authorization: String?, headers: [(name: String, value: String)]) {
            var added: [(name: String, value: String)] = authorization.map { [("Authorization", $0)] } ?? []
            for (name, value) in headers {
                added.removeAll { sameHeaderName($0.name, name) }
                added.append((name, value))
            }
            self.added = added
            dropped = HeaderNameSet(ProxyHeaderRules.hopByHop.union(added.map { $0.name.lowercased() }))
        }
    }
}

/// `/healthz`: alive, and where the split stands.
struct Health: Encodable {
    var status: String
    var weight: Double
}

/// What the proxy saw of one exchange, for whoever records it: the observation, plus what an
/// online scorer needs (the dataset item a synthetic request came from, and the answer).
public struct ProxyExchange: Sendable {
    public var observation: Observation
    /// `x-rampart-item` from the load generator: which golden item the prompt came from.
    public var itemID: String?
    public var answer: String?
    /// For a mirrored baseline request: the candidate's answer to the same prompt.
    public var shadow: ShadowExchange?
}

/// The candidate's answer to a mirrored prompt, which no user receives.
public struct ShadowExchange: Sendable {
    public var answer: String?
    public var failed: Bool
    public var cost: Double
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
    /// Share of baseline chat completions from the load generator (they name their item) whose
    /// prompt also goes to the candidate, after the user has the baseline's answer.
    public let mirror: Double
    private let weightBits = Atomic<UInt64>(0.0.bitPattern)
    private let counters = ProxyCounters()
    private let onExchange: @Sendable (ProxyExchange) -> Void

    public init(
        baseline: ProxyUpstream, candidate: ProxyUpstream, stickyHeader: String? = nil, timeout: Double = 30, mirror: Double = 0,
        onExchange: @escaping @Sendable (ProxyExchange) -> Void = { _ in }
    ) {
        self.mirror = mirror
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
        counters.setWeight(percent)
    }

    /// Starts serving on `host:port` (0 picks a free port). With `pinned`, the listener is a
    /// meter: every request goes to that version whatever the weight, because a router in front
    /// (nginx) has already chosen it; the counters and observations are the same as the split's.
    public func serve(host: String, port: Int, pinned: Variant? = nil) async throws -> any Listening {
        try RelayServer.start(host: host, port: port, proxy: self, pinned: pinned)
    }

    public func handle(_ request: HTTPRequestMessage, pinned: Variant? = nil) async -> HTTPResponseMessage {
        switch (request.method, request.path) {
        case ("GET", "/healthz"):
            return .json(200, Health(status: "ok", weight: weight))
        case ("GET", "/metrics"):
            let text = counters.render(only: pinned)
            return .plain(200, text, contentType: "text/plain; version=0.0.4; charset=utf-8")
        case ("POST", "/v1/chat/completions"), ("POST", "/v1/embeddings"), ("GET", "/v1/models"):
            return await forward(request, to: pinned ?? route(request))
        default:
            return .error(
                404,
                "no route for \(request.method) \(request.path); the proxy serves /v1/chat/completions, /v1/embeddings, /v1/models, /healthz and /metrics",
                type: "not_found")
        }
    }

    /// Which arm serves this request.
    public func route(_ request: HTTPRequestMessage) -> Variant {
        var system = SystemRandomNumberGenerator()
        return route(request, using: &system)
    }

    /// The same with the caller's generator: a relay thread keeps its own, seeded from the
    /// system's, rather than asking the kernel for randomness on every request.
    func route(_ request: some ProxiedRequest, using random: inout some RandomNumberGenerator) -> Variant {
        let w = weight
        if w <= 0 { return .baseline }
        if w >= 100 { return .candidate }
        if let name = stickyHeader, let key = request.header(name), !key.isEmpty {
            return StickyHash.isCandidate(key, weight: w) ? .candidate : .baseline
        }
        return Double.random(in: 0..<100, using: &random) < w ? .candidate : .baseline
    }

    private func forward(_ request: HTTPRequestMessage, to variant: Variant) async -> HTTPResponseMessage {
        let upstream = variant == .candidate ? candidate : baseline
        // The body is parsed only when something in it matters: a model to replace, or a
        // request that may ask for a stream. The common request passes through untouched.
        let json =
            request.method == "POST" && (upstream.model != nil || Self.mentionsStream(request.body))
            ? (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] : nil
        let outgoing = upstream.prepare(request, json: json)
        if request.path.hasSuffix("/chat/completions"), (json?["stream"] as? Bool) == true {
            return await forwardStreaming(request, outgoing, upstream: upstream, variant: variant)
        }
        let started = ContinuousClock.now
        do {
            return conclude(
                request, variant: variant, upstream: upstream, started: started,
                .success(try await upstream.endpoint.send(outgoing, timeout: timeout)))
        } catch {
            return conclude(request, variant: variant, upstream: upstream, started: started, .failure(error))
        }
    }

    /// What serving one request takes: relaying it whole to `upstream` with `body` (a plain HTTP
    /// exchange that a relay can do on its own sockets, then `assess`), or anything else
    /// (streams, TLS upstreams, the proxy's own endpoints, errors) through `handle`.
    enum Plan {
        case relay(Variant, ProxyUpstream, body: [UInt8], started: ContinuousClock.Instant)
        case handle
    }

    func plan(_ request: some ProxiedRequest, pinned: Variant?, random: inout some RandomNumberGenerator) -> Plan {
        let forwarded =
            request.isPost
            ? request.pathIs("/v1/chat/completions") || request.pathIs("/v1/embeddings") : request.isGet && request.pathIs("/v1/models")
        // A body that may ask for a stream goes the streaming way, which parses it.
        guard forwarded, !(request.isPost && Self.mentionsStream(request.body)) else { return .handle }
        let variant = pinned ?? route(request, using: &random)
        let upstream = variant == .candidate ? candidate : baseline
        guard !upstream.endpoint.isTLS else { return .handle }
        let json = request.isPost && upstream.model != nil ? (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] : nil
        return .relay(variant, upstream, body: upstream.body(request.body, json: json), started: ContinuousClock.now)
    }

    /// The client's response to a whole exchange with `upstream` (or its failure), measured and
    /// recorded by `assess`.
    func conclude(
        _ request: some ProxiedRequest, variant: Variant, upstream: ProxyUpstream, started: ContinuousClock.Instant,
        _ outcome: Result<HTTPResponseMessage, any Error>
    ) -> HTTPResponseMessage {
        switch outcome {
        case .success(let answer):
            let replaced = assess(request, variant: variant, upstream: upstream, started: started, .success((answer.status, answer.body)))
            return tagged(replaced ?? answer, variant)
        case .failure(let error):
            let replaced = assess(request, variant: variant, upstream: upstream, started: started, .failure(error))
            return tagged(replaced ?? gatewayError(ServiceHTTP.classify(error), variant), variant)
        }
    }

    /// Measures and records a whole exchange with `upstream` (or its failure), and says what the
    /// client gets instead of the upstream's answer: nil to pass the answer on, or an error in its
    /// place. A 2xx that is not OpenAI-compatible JSON is the version's error (502), as is any
    /// transport failure; a 5xx is passed on and counted as the version's error. A mirrored
    /// baseline answer starts its shadow.
    func assess(
        _ request: some ProxiedRequest, variant: Variant, upstream: ProxyUpstream, started: ContinuousClock.Instant,
        _ outcome: Result<(status: Int, body: [UInt8]), any Error>
    ) -> HTTPResponseMessage? {
        var replacement: HTTPResponseMessage?
        var status = 0
        var failed = false
        let chat = request.pathHasSuffix("/chat/completions")
        var usage: OpenAIUsage?
        switch outcome {
        case .success(let answer):
            status = answer.status
            if (200..<300).contains(answer.status) {
                usage = OpenAIUsage.parse(answer.body, chat: chat, embeddings: request.pathHasSuffix("/embeddings"))
                if usage == nil && request.isPost {
                    failed = true
                    replacement = .error(
                        502, "the \(variant.rawValue) upstream sent a malformed answer (not OpenAI-compatible JSON)", type: "bad_gateway")
                }
            } else if answer.status >= 500 {
                failed = true
            }
        case .failure(let error):
            failed = true
            replacement = gatewayError(ServiceHTTP.classify(error), variant)
        }
        let mirrored =
            variant == .baseline && !failed && mirror > 0 && chat && request.header("x-rampart-item") != nil
            && Double.random(in: 0..<1) < mirror
        record(
            request, variant: variant, upstream: upstream, status: replacement?.status ?? status, failed: failed, started: started, ttft: nil,
            prompt: usage?.promptTokens ?? 0, completion: usage?.completionTokens ?? 0, answer: usage?.text, mirrored: mirrored)
        return replacement
    }

    /// A streamed chat completion: each part goes to the client as it arrives; the observation
    /// (total latency, time to first token, usage from the last chunk when the upstream sends
    /// it, the answer for scoring) is recorded when the stream ends. A stream that breaks off,
    /// carries an error event or holds no chunk at all is an error for its version.
    private func forwardStreaming(
        _ request: HTTPRequestMessage, _ outgoing: HTTPRequestMessage, upstream: ProxyUpstream, variant: Variant
    ) async -> HTTPResponseMessage {
        let started = ContinuousClock.now
        let answer: HTTPEndpoint.Streaming
        do {
            answer = try await upstream.endpoint.stream(outgoing, timeout: timeout)
        } catch {
            let response = gatewayError(ServiceHTTP.classify(error), variant)
            record(
                request, variant: variant, upstream: upstream, status: response.status, failed: true, started: started, ttft: nil, prompt: 0,
                completion: 0, answer: nil)
            return tagged(response, variant)
        }
        guard (200..<300).contains(answer.status) else {
            // An error status comes with a small JSON body: pass it on whole.
            var body: [UInt8] = []
            var broken = false
            do { for try await part in answer.parts where body.count < HTTPServer.maxBodyBytes { body += part } } catch { broken = true }
            record(
                request, variant: variant, upstream: upstream, status: answer.status, failed: answer.status >= 500 || broken, started: started,
                ttft: nil, prompt: 0, completion: 0, answer: nil)
            return tagged(HTTPResponseMessage(status: answer.status, headers: answer.headers, body: body), variant)
        }
        let (relay, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        Task(executorPreference: NetExecutor.shared) { [self] in
            var sse = SSEAccumulator()
            var ttft: Double?
            var broken = false
            do {
                for try await part in answer.parts {
                    let firstContent = sse.feed(part)
                    if ttft == nil && firstContent { ttft = Self.ms(since: started) }
                    continuation.yield(part)
                }
                continuation.finish()
            } catch {
                broken = true
                continuation.finish(throwing: error)
            }
            let failed = broken || !sse.isValidAnswer
            record(
                request, variant: variant, upstream: upstream, status: failed ? 502 : answer.status, failed: failed, started: started,
                ttft: ttft, prompt: sse.promptTokens, completion: sse.completionTokens, answer: failed ? nil : sse.text)
        }
        var response = tagged(HTTPResponseMessage(status: answer.status, headers: answer.headers), variant)
        response.stream = relay
        return response
    }

    /// The response as the client gets it: connection headers and the length dropped (the
    /// server sets its own), the serving version named.
    func tagged(_ response: HTTPResponseMessage, _ variant: Variant) -> HTTPResponseMessage {
        var r = response
        r.headers = r.headers.filter { !HeaderNameSet.connectionAndLength.contains($0.name) }
        r.headers.append(("x-rampart-variant", variant.rawValue))
        return r
    }

    private func gatewayError(_ error: ServiceHTTP.TransportError, _ variant: Variant) -> HTTPResponseMessage {
        if error == .timedOut {
            return .error(504, "the \(variant.rawValue) upstream did not answer within \(timeout) s", type: "gateway_timeout")
        }
        let upstream = variant == .candidate ? candidate : baseline
        return .error(
            502, "the \(variant.rawValue) upstream failed: \(error.message(host: upstream.endpoint.address, timeout: timeout))", type: "bad_gateway")
    }

    private func record(
        _ request: some ProxiedRequest, variant: Variant, upstream: ProxyUpstream, status: Int, failed: Bool, started: ContinuousClock.Instant,
        ttft: Double?, prompt: Int, completion: Int, answer: String?, mirrored: Bool = false
    ) {
        var observation = Observation(
            variant: variant, latencyMs: Self.ms(since: started), status: status, failed: failed, promptTokens: prompt,
            completionTokens: completion, cost: upstream.pricing.cost(promptTokens: prompt, completionTokens: completion),
            synthetic: request.header("x-rampart-synthetic") != nil)
        observation.ttftMs = ttft
        counters.record(observation)
        var exchange = ProxyExchange(observation: observation, itemID: request.header("x-rampart-item"), answer: answer)
        guard mirrored else { return onExchange(exchange) }
        // The user already has the baseline's answer; the pair is reported when the shadow ends.
        let message = request.message
        Task { [self] in
            exchange.shadow = await shadow(message)
            onExchange(exchange)
        }
    }

    /// The candidate's answer to a mirrored request. A failure makes no pair; it is not one of the
    /// candidate's errors, which are counted on the requests it serves.
    private func shadow(_ request: HTTPRequestMessage) async -> ShadowExchange {
        let json = candidate.model != nil ? (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] : nil
        do {
            let response = try await candidate.endpoint.send(candidate.prepare(request, json: json), timeout: timeout)
            guard (200..<300).contains(response.status), let usage = OpenAIUsage.parse(response.body, path: request.path) else {
                return ShadowExchange(answer: nil, failed: true, cost: 0)
            }
            return ShadowExchange(
                answer: usage.text, failed: false,
                cost: candidate.pricing.cost(promptTokens: usage.promptTokens, completionTokens: usage.completionTokens))
        } catch {
            return ShadowExchange(answer: nil, failed: true, cost: 0)
        }
    }

    static func ms(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    /// Whether a body could ask for a stream, by its bytes: most requests are never parsed.
    static func mentionsStream(_ body: [UInt8]) -> Bool {
        // Each quote is a candidate start (memchr finds them fast); the key is compared there.
        body.withUnsafeBufferPointer { bytes in
            guard let base = bytes.baseAddress, bytes.count >= streamKey.count else { return false }
            var at = 0
            while at + streamKey.count <= bytes.count, let hit = memchr(base + at, 0x22, bytes.count - at) {
                let k = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if k + streamKey.count <= bytes.count, memcmp(base + k, streamKey, streamKey.count) == 0 { return true }
                at = k + 1
            }
            return false
        }
    }

    private static let streamKey = Array(#""stream""#.utf8)

    /// Records an online quality score in `/metrics` (scoring happens after the answer is sent).
    public func recordQuality(_ variant: Variant, _ score: Double) {
        counters.recordQuality(variant, score)
    }
}
