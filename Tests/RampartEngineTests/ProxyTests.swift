import Foundation
import RampartCore
import Synchronization
import Testing

@testable import RampartNet

/// A programmable upstream on loopback: our own HTTP server with a handler per test, so each
/// test can inject exact latencies, errors and malformed answers and count what it sent.
final class FakeUpstream: Sendable {
    let server: HTTPServer
    let served = Mutex(0)
    var port: Int { server.port! }

    init(_ handler: @escaping @Sendable (Int) async -> HTTPResponseMessage) async throws {
        let counter = Mutex(0)
        server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
            let n = counter.withLock { c in
                c += 1
                return c
            }
            return await handler(n)
        }
        _ = counter
    }

    static func chat(_ text: String = "ok", prompt: Int = 10, completion: Int = 20) -> HTTPResponseMessage {
        .json(
            200,
            OpenAIWire.ChatCompletion(
                model: "fake", choices: [.init(index: 0, message: .init(role: "assistant", content: text), finishReason: "stop")],
                usage: .init(promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion)))
    }

    var pool: HTTPEndpoint { HTTPEndpoint(host: "127.0.0.1", port: port) }
}

/// Collects what the proxy observed.
final class Observed: Sendable {
    let list = Mutex<[ProxyExchange]>([])
    func add(_ e: ProxyExchange) { list.withLock { $0.append(e) } }
    var observations: [Observation] { list.withLock { $0.map(\.observation) } }
}

func chatRequest(user: String? = nil) -> HTTPRequestMessage {
    var headers: [(name: String, value: String)] = [("Content-Type", "application/json")]
    if let user { headers.append(("x-user-id", user)) }
    return HTTPRequestMessage(
        method: "POST", uri: "/v1/chat/completions", headers: headers, body: Array(#"{"messages":[{"role":"user","content":"hi"}]}"#.utf8))
}

/// Sends `count` requests with at most `concurrency` in flight; returns the responses in order.
/// The timeout only bounds a failure: on a machine starved by other work a correct proxy's
/// answer can take seconds, and a test must not count that as a wrong answer.
func fire(
    _ count: Int, at pool: HTTPEndpoint, concurrency: Int = 32, timeout: Double = 120,
    make: @escaping @Sendable (Int) -> HTTPRequestMessage = { _ in chatRequest() }
) async -> [HTTPResponseMessage?] {
    var out = [HTTPResponseMessage?](repeating: nil, count: count)
    await withTaskGroup(of: (Int, HTTPResponseMessage?).self) { group in
        var next = 0
        func add() {
            let i = next
            next += 1
            group.addTask { (i, try? await pool.send(make(i), timeout: timeout)) }
        }
        for _ in 0..<min(concurrency, count) { add() }
        while let (i, r) = await group.next() {
            out[i] = r
            if next < count { add() }
        }
    }
    return out
}

@Suite(.serialized) struct ProxyTests {
    func proxy(
        _ b: FakeUpstream, _ c: FakeUpstream, sticky: String? = nil, timeout: Double = 10, pricing: Pricing = Pricing(),
        observed: Observed = Observed()
    ) async throws -> (WeightedProxy, any Listening) {
        let p = WeightedProxy(
            baseline: ProxyUpstream(endpoint: b.pool, pricing: pricing), candidate: ProxyUpstream(endpoint: c.pool, pricing: pricing),
            stickyHeader: sticky, timeout: timeout
        ) { observed.add($0) }
        let server = try await p.serve(host: "127.0.0.1", port: 0)
        return (p, server)
    }

    @Test func theObservedSplitMatchesTheWeightWithinBinomialBounds() async throws {
        let b = try await FakeUpstream { _ in FakeUpstream.chat() }
        let c = try await FakeUpstream { _ in FakeUpstream.chat() }
        let (p, server) = try await proxy(b, c)
        try p.setWeight(20)
        let n = 2000
        let responses = await fire(n, at: HTTPEndpoint(host: "127.0.0.1", port: server.port!))
        #expect(responses.allSatisfy { $0?.status == 200 })
        let toCandidate = responses.filter { $0?.header("x-rampart-variant") == "candidate" }.count
        // Binomial(2000, 0.2): mean 400, sd 17.9; 5 sd either side fails a correct proxy once in 3.5 million runs.
        #expect((311...489).contains(toCandidate), "candidate got \(toCandidate) of \(n) at 20%")
        for (w, expected) in [(0.0, 0), (100.0, 200)] {
            try p.setWeight(w)
            let r = await fire(200, at: HTTPEndpoint(host: "127.0.0.1", port: server.port!))
            #expect(r.filter { $0?.header("x-rampart-variant") == "candidate" }.count == expected)
        }
    }

    @Test func aStickyUserStaysOnOneVersionAsTheWeightGrows() async throws {
        let b = try await FakeUpstream { _ in FakeUpstream.chat() }
        let c = try await FakeUpstream { _ in FakeUpstream.chat() }
        let (p, server) = try await proxy(b, c, sticky: "x-user-id")
        let pool = HTTPEndpoint(host: "127.0.0.1", port: server.port!)
        try p.setWeight(30)
        let users = 400
        let first = await fire(users * 3, at: pool) { chatRequest(user: "u\($0 % users)") }
        var seen: [Int: Set<String>] = [:]
        for (i, r) in first.enumerated() { seen[i % users, default: []].insert(r?.header("x-rampart-variant") ?? "none") }
        #expect(seen.values.allSatisfy { $0.count == 1 }, "every user is served by exactly one version")
        let onCandidate = Set(seen.filter { $0.value == ["candidate"] }.map(\.key))
        // Binomial(400, 0.3) users: mean 120, sd 9.2; 5 sd either side.
        #expect((74...166).contains(onCandidate.count))
        try p.setWeight(60)
        let later = await fire(users, at: pool) { chatRequest(user: "u\($0)") }
        for u in onCandidate { #expect(later[u]?.header("x-rampart-variant") == "candidate", "user \(u) moved back") }
    }

    @Test func changingTheWeightUnderLoadDropsNoRequest() async throws {
        let b = try await FakeUpstream { _ in
            try? await Task.sleep(for: .milliseconds(30)); return FakeUpstream.chat()
        }
        let c = try await FakeUpstream { _ in
            try? await Task.sleep(for: .milliseconds(30)); return FakeUpstream.chat()
        }
        let observed = Observed()
        let (p, server) = try await proxy(b, c, observed: observed)
        let flipper = Task {
            for w in [5.0, 20, 50, 100, 0, 50, 25] {
                try? p.setWeight(w)
                try? await Task.sleep(for: .milliseconds(60))
            }
        }
        let responses = await fire(800, at: HTTPEndpoint(host: "127.0.0.1", port: server.port!), concurrency: 64)
        await flipper.value
        #expect(responses.allSatisfy { $0?.status == 200 }, "\(responses.filter { $0?.status != 200 }.count) requests failed")
        #expect(observed.observations.count == 800)
        #expect(observed.observations.allSatisfy { !$0.failed })
        let variants = Set(responses.compactMap { $0?.header("x-rampart-variant") })
        #expect(variants == ["baseline", "candidate"])
    }

    @Test func metricsMatchInjectedLatenciesErrorsAndUsage() async throws {
        let errorsSent = Mutex(0)
        let b = try await FakeUpstream { _ in
            try? await Task.sleep(for: .milliseconds(20))
            return FakeUpstream.chat(prompt: 100, completion: 50)
        }
        let c = try await FakeUpstream { n in
            try? await Task.sleep(for: .milliseconds(120))
            if n % 5 == 0 {
                errorsSent.withLock { $0 += 1 }
                return .error(500, "boom")
            }
            return FakeUpstream.chat(prompt: 100, completion: 50)
        }
        let observed = Observed()
        let pricing = Pricing(promptPer1K: 0.5, completionPer1K: 1.5)
        let (p, server) = try await proxy(b, c, pricing: pricing, observed: observed)
        try p.setWeight(50)
        _ = await fire(400, at: HTTPEndpoint(host: "127.0.0.1", port: server.port!), concurrency: 40)
        var live = LiveMetrics()
        for o in observed.observations { live.record(o, at: 1) }
        let base = live.arm(.baseline), cand = live.arm(.candidate)
        #expect(base.requests + cand.requests == 400)
        #expect(cand.errors == errorsSent.withLock { $0 }, "every injected 500 is one candidate error, no more")
        #expect(base.errors == 0)
        #expect(cand.errorRate! > 0.1 && cand.errorRate! < 0.3)
        // Latency includes the injected sleep, and loopback and scheduling on top: how much on top
        // depends on the machine, so only the floor is checked here (the overhead itself is
        // measured by `rampart-bench proxy`).
        #expect(base.latencyP50! >= 20, "baseline p50 \(base.latencyP50!)")
        #expect(cand.latencyP50! >= 120, "candidate p50 \(cand.latencyP50!)")
        #expect(base.tokensPerRequest == 150)
        #expect(abs(base.costPerRequest! - (0.1 * 0.5 + 0.05 * 1.5)) < 1e-12)
        let metrics = await p.handle(HTTPRequestMessage(method: "GET", uri: "/metrics")).text
        #expect(metrics.contains(#"rampart_proxy_upstream_errors_total{variant="candidate"} \#(cand.errors)"#))
        #expect(metrics.contains(#"rampart_proxy_requests_total{variant="candidate",status="500"} \#(cand.errors)"#))
        #expect(metrics.contains(#"rampart_proxy_tokens_total{variant="baseline",kind="prompt"} \#(base.requests * 100)"#))
        #expect(metrics.contains("rampart_canary_weight_percent 50"))
        #expect(metrics.contains(#"rampart_proxy_request_duration_seconds_count{variant="baseline"} \#(base.requests)"#))
    }

    @Test func upstreamFaultsAreErrorsForTheirArmAndClientErrorsPassThrough() async throws {
        let hung = try await FakeUpstream { _ in
            try? await Task.sleep(for: .seconds(5)); return FakeUpstream.chat()
        }
        let malformed = try await FakeUpstream { _ in .plain(200, "<html>not json</html>") }
        let clientError = try await FakeUpstream { _ in .error(400, "bad request", type: "invalid_request_error") }
        let healthy = try await FakeUpstream { _ in FakeUpstream.chat() }
        // A port nobody listens on: bind one, note it, close it.
        let gone = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "") }
        let downPort = gone.port!
        await gone.stop()

        func one(_ candidate: ProxyUpstream) async throws -> (HTTPResponseMessage, Observation) {
            let observed = Observed()
            let p = WeightedProxy(baseline: ProxyUpstream(endpoint: healthy.pool), candidate: candidate, timeout: 0.3) { observed.add($0) }
            try p.setWeight(100)
            let r = await p.handle(chatRequest())
            return (r, observed.observations[0])
        }
        let (down, o1) = try await one(ProxyUpstream(endpoint: HTTPEndpoint(host: "127.0.0.1", port: downPort)))
        #expect(down.status == 502 && o1.failed && o1.variant == .candidate)
        #expect(down.text.contains("connection refused"))
        let (slow, o2) = try await one(ProxyUpstream(endpoint: hung.pool))
        #expect(slow.status == 504 && o2.failed)
        #expect(o2.latencyMs >= 300 && o2.latencyMs < 2000)
        let (bad, o3) = try await one(ProxyUpstream(endpoint: malformed.pool))
        #expect(bad.status == 502 && o3.failed && bad.text.contains("malformed"))
        let (client, o4) = try await one(ProxyUpstream(endpoint: clientError.pool))
        #expect(client.status == 400 && !o4.failed && o4.isClientError)
        #expect(client.text.contains("bad request"))
    }

    @Test func aPortInUseIsAClearErrorAndWeightsOutsideTheRangeAreRefused() async throws {
        let first = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "") }
        let port = first.port!
        await #expect { try await HTTPServer.start(.tcp(host: "127.0.0.1", port: port)) { _ in .plain(200, "") } } throws: { error in
            "\(error)".contains("127.0.0.1:\(port)") && "\(error)".contains("address already in use")
        }
        let b = try await FakeUpstream { _ in FakeUpstream.chat() }
        let (p, _) = try await proxy(b, b)
        #expect(throws: WeightedProxy.WeightOutOfRange.self) { try p.setWeight(101) }
        #expect(throws: WeightedProxy.WeightOutOfRange.self) { try p.setWeight(-1) }
        #expect(throws: WeightedProxy.WeightOutOfRange.self) { try p.setWeight(.nan) }
        let health = await p.handle(HTTPRequestMessage(method: "GET", uri: "/healthz"))
        #expect(health.status == 200)
        let unknown = await p.handle(HTTPRequestMessage(method: "GET", uri: "/nope"))
        #expect(unknown.status == 404)
    }

    @Test func stickyBucketsAreStableAndMonotone() {
        #expect(StickyHash.fnv1a("") == 0xcbf2_9ce4_8422_2325)
        #expect(StickyHash.fnv1a("a") == 0xaf63_dc4c_8601_ec8c)  // FNV-1a 64 test vector
        for key in ["alice", "bob", "u42"] {
            var was = false
            for w in stride(from: 0.0, through: 100, by: 5) {
                let now = StickyHash.isCandidate(key, weight: w)
                #expect(!(was && !now))
                was = now
            }
            #expect(was)
        }
    }
}

/// `/metrics` as swift-prometheus renders it, fed what a misbehaving upstream can report.
struct ProxyCountersTests {
    @Test func countersOnlyGrowWhateverTheUpstreamReports() {
        let counters = ProxyCounters()
        counters.setWeight(25)
        counters.record(
            Observation(variant: .candidate, latencyMs: 120, status: 200, failed: false, promptTokens: 10, completionTokens: 5, cost: 0.5))
        counters.record(
            Observation(variant: .candidate, latencyMs: 80, status: 200, failed: false, promptTokens: -7, completionTokens: 3, cost: .nan))
        counters.record(Observation(variant: .baseline, latencyMs: 5000, status: 502, failed: true, promptTokens: 0, completionTokens: 0, cost: -1))
        counters.recordQuality(.candidate, .infinity)
        let all = counters.render()
        #expect(all.contains("rampart_canary_weight_percent 25"))
        #expect(all.contains(#"rampart_proxy_tokens_total{variant="candidate",kind="prompt"} 10"#))
        #expect(all.contains(#"rampart_proxy_tokens_total{variant="candidate",kind="completion"} 8"#))
        #expect(all.contains(#"rampart_proxy_cost_dollars_total{variant="candidate"} 0.5"#))
        #expect(all.contains(#"rampart_proxy_quality_scored_total{variant="candidate"} 1"#))
        #expect(all.contains(#"rampart_proxy_requests_total{variant="baseline",status="502"} 1"#))
        #expect(all.contains(#"rampart_proxy_request_duration_seconds_bucket{variant="baseline",le="5.0"} 1"#))
        #expect(all.contains(#"rampart_proxy_request_duration_seconds_bucket{variant="baseline",le="4.0"} 0"#))
        // A meter's view: one version, no weight, every family's HELP and TYPE kept.
        let meter = counters.render(only: .baseline)
        #expect(!meter.contains(#"variant="candidate""#) && !meter.contains("rampart_canary_weight_percent"))
        #expect(meter.contains("# TYPE rampart_proxy_request_duration_seconds histogram"))
        #expect(meter.contains(#"rampart_proxy_upstream_errors_total{variant="baseline"} 1"#))
    }

    /// A scrape taken while requests are being recorded sees each request whole: its count, its
    /// tokens and its latency together. Recorded separately, a scrape caught between them made a
    /// real Prometheus read 20 and then 60 tokens per request where every request used 30.
    @Test func aScrapeNeverSeesHalfARequest() async {
        let counters = ProxyCounters()
        let writers = 4, perWriter = 2_000
        let torn = await withTaskGroup(of: [String].self) { group in
            for _ in 0..<writers {
                group.addTask {
                    for _ in 0..<perWriter {
                        counters.record(Observation(variant: .candidate, latencyMs: 50, promptTokens: 20, completionTokens: 10))
                    }
                    return []
                }
            }
            group.addTask {
                var torn: [String] = []
                for _ in 0..<400 {
                    let text = counters.render(only: .candidate)
                    let requests = Self.value(#"rampart_proxy_requests_total{variant="candidate",status="200"}"#, in: text)
                    let prompt = Self.value(#"rampart_proxy_tokens_total{variant="candidate",kind="prompt"}"#, in: text)
                    let completion = Self.value(#"rampart_proxy_tokens_total{variant="candidate",kind="completion"}"#, in: text)
                    let timed = Self.value(#"rampart_proxy_request_duration_seconds_count{variant="candidate"}"#, in: text)
                    if prompt + completion != 30 * requests || timed != requests {
                        torn.append("requests \(requests), tokens \(prompt + completion), timed \(timed)")
                    }
                    await Task.yield()
                }
                return torn
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        #expect(torn.isEmpty, "\(torn.prefix(3))")
        let final = counters.render()
        #expect(Self.value(#"rampart_proxy_requests_total{variant="candidate",status="200"}"#, in: final) == Double(writers * perWriter))
    }

    /// A sample's value from exposition text; 0 when the series is not there yet.
    static func value(_ series: String, in text: String) -> Double {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1)) ?? .nan
        }
        return 0
    }
}

/// `mirror` through the proxy: the user gets the baseline's answer; the candidate answers the
/// same prompt afterwards, and the exchange is reported with both.
@Suite struct ProxyMirrorTests {
    @Test func aMirroredPromptReachesTheCandidateAfterTheUserIsAnswered() async throws {
        let b = try await FakeUpstream { _ in FakeUpstream.chat("baseline answer", prompt: 10, completion: 20) }
        let c = try await FakeUpstream { n in
            n == 2 ? .error(500, "down", type: "server_error") : FakeUpstream.chat("candidate answer", prompt: 10, completion: 40)
        }
        let observed = Observed()
        let p = WeightedProxy(
            baseline: ProxyUpstream(endpoint: b.pool, pricing: Pricing(promptPer1K: 1, completionPer1K: 1)),
            candidate: ProxyUpstream(endpoint: c.pool, pricing: Pricing(promptPer1K: 1, completionPer1K: 1)), mirror: 1
        ) { observed.add($0) }
        try p.setWeight(0)
        func request(item: String?) -> HTTPRequestMessage {
            var r = chatRequest()
            if let item { r.headers.append(("x-rampart-item", item)) }
            return r
        }
        // Mirrored: three with an item (the candidate's second answer fails). Not mirrored: one
        // without an item (nothing to score it against).
        for item in ["a", "b", "c", nil] {
            let r = await p.handle(request(item: item))
            #expect(r.status == 200 && String(decoding: r.body, as: UTF8.self).contains("baseline answer"), "the user gets the baseline's answer")
        }
        let deadline = ContinuousClock.now + .seconds(60)
        while observed.list.withLock({ $0.count }) < 4 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let exchanges = observed.list.withLock { $0 }
        #expect(exchanges.count == 4 && exchanges.allSatisfy { $0.observation.variant == .baseline })
        let shadows = exchanges.compactMap(\.shadow)
        #expect(shadows.count == 3, "one shadow per mirrored prompt, none for the one without an item")
        #expect(shadows.filter(\.failed).count == 1 && shadows.filter { $0.answer == "candidate answer" }.count == 2)
        #expect(shadows.filter { !$0.failed }.allSatisfy { abs($0.cost - 0.05) < 1e-12 }, "50 tokens at $1 per thousand")
        #expect(exchanges.first { $0.itemID == nil }?.shadow == nil)
    }
}
