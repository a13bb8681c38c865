import Foundation
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine

/// Counts the requests that reach the provider behind the cache.
final class CountingProvider: ModelProvider {
    let wrapped: any ModelProvider
    let calls = Mutex(0)
    var identity: String { wrapped.identity }
    init(_ wrapped: any ModelProvider) { self.wrapped = wrapped }
    func complete(_ request: ModelRequest) async -> ModelResponse {
        calls.withLock { $0 += 1 }
        return await wrapped.complete(request)
    }
    var count: Int { calls.withLock { $0 } }
}

struct GateCacheTests {
    func engine(_ inputs: PipelineInputs, cache: ResponseCache?, seed: UInt64 = 42) -> (Engine, CountingProvider, CountingProvider) {
        func sim(_ v: VariantSpec, _ variant: Variant) -> CountingProvider {
            CountingProvider(
                SimProvider(
                    profile: v.sim, systemPrompt: inputs.files[v.promptTemplate ?? ""] ?? "", seed: seed, variant: variant, model: v.model,
                    version: v.version))
        }
        let b = sim(inputs.spec.baseline, .baseline), c = sim(inputs.spec.candidate, .candidate)
        let e = Engine(inputs: inputs, clock: VirtualClock(), options: RunOptions(seed: seed, operator: "t", cache: cache), baseline: b, candidate: c)
        return (e, b, c)
    }

    @Test func aSecondRunOfAnUnchangedGateMakesNoProviderCalls() async throws {
        let inputs = try Harness().inputs
        let path = Paths.temporaryDirectory() + "/cache.jsonl"
        let (first, b1, c1) = engine(inputs, cache: ResponseCache(path: path))
        let r1 = await first.evaluateGates()
        #expect(b1.count > 0 && c1.count > 0)
        // A fresh cache object reads what the first run stored on disk.
        let (second, b2, c2) = engine(inputs, cache: ResponseCache(path: path))
        let r2 = await second.evaluateGates()
        #expect(b2.count == 0 && c2.count == 0)
        // The same results; only the retries the first run needed are not needed again.
        func withoutRetries(_ r: [GateReport]) -> [GateReport] {
            r.map {
                var g = $0; g.result.retries = nil; return g
            }
        }
        #expect(withoutRetries(r1) == withoutRetries(r2))
        #expect(r1.contains { $0.result.retries != nil } && r2.allSatisfy { $0.result.retries == nil })
    }

    @Test func aRetrysAnswerServesTheNextRunsFirstAttempt() {
        func key(_ stream: String) -> String {
            ResponseCache.key(
                identity: "sim",
                request: ModelRequest(
                    system: "s", user: "u",
                    ask: .injection(InjectionCase(id: "i1", attack: "u", channel: .direct, secret: "x", goal: "g", category: "c")), stream: stream))
        }
        #expect(key("gate:g:i1:0:retry2") == key("gate:g:i1:0"))
        #expect(key("gate:g:i1:0") != key("gate:g:i1:1"))
        #expect(key("gate:g:retry:0") != key("gate:g:other:0"), "only a numeric :retryN suffix is an attempt")
    }

    @Test func changingTheCandidateMissesOnlyTheCandidate() async throws {
        let path = Paths.temporaryDirectory() + "/cache.jsonl"
        let base = try Harness().inputs
        _ = await engine(base, cache: ResponseCache(path: path)).0.evaluateGates()
        var changed = base
        changed.spec.candidate.sim.drop = 0.2
        let (e, b, c) = engine(changed, cache: ResponseCache(path: path))
        _ = await e.evaluateGates()
        #expect(b.count == 0)
        #expect(c.count > 0)
    }

    @Test func gateResultsDoNotDependOnTheCache() async throws {
        let inputs = try Harness().inputs
        let cached = await engine(inputs, cache: ResponseCache(path: Paths.temporaryDirectory() + "/c.jsonl")).0.evaluateGates()
        let uncached = await engine(inputs, cache: nil).0.evaluateGates()
        #expect(cached == uncached)
    }

    @Test func aTornLastLineIsIgnored() throws {
        let path = Paths.temporaryDirectory() + "/cache.jsonl"
        let cache = ResponseCache(path: path)
        cache.store("k1", ModelResponse(text: "hi", latencyMs: 1, promptTokens: 1, completionTokens: 1, failed: false))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"key":"k2","respo"#.utf8))
        try handle.close()
        let reloaded = ResponseCache(path: path)
        #expect(reloaded.lookup("k1")?.text == "hi")
        #expect(reloaded.lookup("k2") == nil)
    }
}

/// Fails the first attempt of every request (a flaky upstream) and tracks requests in flight.
final class FlakyProvider: ModelProvider {
    let wrapped: any ModelProvider
    let failFirstAttempt: Bool
    let state = Mutex((inFlight: 0, peak: 0, calls: 0))
    var identity: String { wrapped.identity + "|flaky" }
    var isSimulated: Bool { wrapped.isSimulated }
    init(_ wrapped: any ModelProvider, failFirstAttempt: Bool) {
        self.wrapped = wrapped
        self.failFirstAttempt = failFirstAttempt
    }
    func complete(_ request: ModelRequest) async -> ModelResponse {
        state.withLock {
            $0.inFlight += 1; $0.calls += 1; $0.peak = max($0.peak, $0.inFlight)
        }
        defer { state.withLock { $0.inFlight -= 1 } }
        await Task.yield()
        if failFirstAttempt && !request.stream.contains(":retry") {
            return ModelResponse(text: "", latencyMs: 1, promptTokens: 0, completionTokens: 0, failed: true)
        }
        return await wrapped.complete(request)
    }
}

struct GateConcurrencyTests {
    func run(_ edit: (inout PipelineSpec) -> Void, flaky: Bool = false) async throws -> ([GateReport], FlakyProvider) {
        var inputs = try Harness().inputs
        edit(&inputs.spec)
        func sim(_ v: VariantSpec, _ variant: Variant) -> any ModelProvider {
            SimProvider(
                profile: v.sim, systemPrompt: inputs.files[v.promptTemplate ?? ""] ?? "", seed: 42, variant: variant, model: v.model,
                version: v.version)
        }
        let candidate = FlakyProvider(sim(inputs.spec.candidate, .candidate), failFirstAttempt: flaky)
        let engine = Engine(
            inputs: inputs, clock: VirtualClock(), options: RunOptions(seed: 42, operator: "t"), baseline: sim(inputs.spec.baseline, .baseline),
            candidate: candidate)
        return (await engine.evaluateGates(), candidate)
    }

    @Test func concurrencyRespectsItsLimitAndDoesNotChangeResults() async throws {
        let (serial, one) = try await run { spec in for i in spec.gates.indices { spec.gates[i].concurrency = 1 } }
        let (parallel, eight) = try await run { spec in for i in spec.gates.indices { spec.gates[i].concurrency = 8 } }
        #expect(serial == parallel)
        #expect(one.state.withLock { $0.peak } == 1)
        #expect(eight.state.withLock { $0.peak } <= 8)
    }

    @Test func retriesRecoverTransientFailures() async throws {
        let (reports, flaky) = try await run({ _ in }, flaky: true)
        #expect(reports.allSatisfy { $0.result.candidateErrors == 0 })
        #expect(reports.allSatisfy { $0.result.passed })
        let requests = reports.reduce(0) { $0 + $1.result.items * $1.result.samples }
        // Every request failed once; a few retries also hit the simulator's own error rate.
        let calls = flaky.state.withLock { $0.calls }
        #expect(calls >= 2 * requests && calls <= 2 * requests + requests / 20)
    }

    @Test func withoutRetriesADeadEndpointIsAnErrorNeverAScore() async throws {
        let (reports, flaky) = try await run({ spec in for i in spec.gates.indices { spec.gates[i].retries = 0 } }, flaky: true)
        for report in reports {
            let r = report.result
            #expect(r.verdict == .error, "\(r.name): \(r.verdict)")
            #expect(!r.passed)
            #expect(r.errors?.items == r.errors?.of)
            #expect(report.items.allSatisfy { $0.error != nil && !$0.passed })
        }
        let golden = reports[0].result
        #expect(golden.candidateErrors == golden.items * golden.samples)
        // The candidate's endpoint failed its first requests the same way: the rest were never sent.
        let calls = flaky.state.withLock { $0.calls }
        #expect(calls <= 5 + 8, "\(calls) calls: the early stop holds back all but the first few (and those in flight)")
    }
}
