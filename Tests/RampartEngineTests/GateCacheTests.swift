import Foundation
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
            CountingProvider(SimProvider(profile: v.sim, systemPrompt: inputs.files[v.promptTemplate ?? ""] ?? "", seed: seed, variant: variant, model: v.model, version: v.version))
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
        #expect(r1 == r2)
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
