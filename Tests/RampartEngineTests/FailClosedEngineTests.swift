import Foundation
import RampartNet
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine

/// A provider whose answers fail by rule: for chosen items (by id) or for everything, with a
/// given failure. Counts its calls.
final class FailingProvider: ModelProvider {
    let wrapped: any ModelProvider
    let fails: @Sendable (ModelRequest) -> RequestFailure?
    let calls = Mutex(0)
    var identity: String { wrapped.identity + "|failing" }
    var isSimulated: Bool { true }

    init(_ wrapped: any ModelProvider, fails: @escaping @Sendable (ModelRequest) -> RequestFailure?) {
        self.wrapped = wrapped
        self.fails = fails
    }

    func complete(_ request: ModelRequest) async -> ModelResponse {
        calls.withLock { $0 += 1 }
        if let failure = fails(request) { return .failed(failure, latencyMs: 5) }
        return await wrapped.complete(request)
    }
}

struct FailClosedEngineTests {
    func engine(_ inputs: PipelineInputs, candidate: any ModelProvider, baseline: (any ModelProvider)? = nil) -> Engine {
        func sim(_ v: VariantSpec, _ variant: Variant) -> any ModelProvider {
            SimProvider(
                profile: v.sim, systemPrompt: inputs.files[v.promptTemplate ?? ""] ?? "", seed: 42, variant: variant, model: v.model,
                version: v.version)
        }
        return Engine(
            inputs: inputs, clock: VirtualClock(), options: RunOptions(seed: 42, operator: "t"),
            baseline: baseline ?? sim(inputs.spec.baseline, .baseline), candidate: candidate)
    }

    func sim(_ inputs: PipelineInputs, _ variant: Variant) -> any ModelProvider {
        let v = variant == .candidate ? inputs.spec.candidate : inputs.spec.baseline
        return SimProvider(
            profile: v.sim, systemPrompt: inputs.files[v.promptTemplate ?? ""] ?? "", seed: 42, variant: variant, model: v.model, version: v.version)
    }

    @Test func aFewFailedItemsMakeTheGateErrorUnlessMaxErrorRateAllowsThem() async throws {
        var inputs = try Harness().inputs
        inputs.spec.gates = inputs.spec.gates.filter { $0.kind == .golden }
        let failing: @Sendable (ModelRequest) -> RequestFailure? = { r in
            guard case .golden(let item) = r.ask, ["g005", "g015", "g025"].contains(item.id) else { return nil }
            return .http(status: 503, message: "upstream overloaded")
        }
        let strict = try #require(await engine(inputs, candidate: FailingProvider(sim(inputs, .candidate), fails: failing)).evaluateGates().first)
        #expect(strict.result.verdict == .error)
        #expect(strict.result.errors?.items == 3 && strict.result.errors?.of == 60)
        #expect(strict.result.errors?.summary.contains("3 of 60 items errored; first: candidate HTTP 503: upstream overloaded") == true)
        #expect(strict.items.filter { $0.error != nil }.map(\.id) == ["g005", "g015", "g025"])

        inputs.spec.gates[0].thresholds.maxErrorRate = 0.1
        let lenient = try #require(await engine(inputs, candidate: FailingProvider(sim(inputs, .candidate), fails: failing)).evaluateGates().first)
        #expect(lenient.result.verdict == .pass, "judged on the 57 answered items")
        #expect(lenient.result.checks.allSatisfy { $0.n == 57 })
        #expect(lenient.result.errors?.items == 3)
        #expect(EventLine.text(.gate(lenient.result)).contains("passed on 57 items × 3 (3 of 60 items errored and were left out"))

        inputs.spec.gates[0].thresholds.maxErrorRate = 0.04
        let over = try #require(await engine(inputs, candidate: FailingProvider(sim(inputs, .candidate), fails: failing)).evaluateGates().first)
        #expect(over.result.verdict == .error, "3/60 = 5% is over a 4% allowance")
    }

    @Test func aDeadEndpointIsNeverAPassInAnyGateKind() async throws {
        let inputs = try Harness().inputs
        let dead = FailingProvider(sim(inputs, .candidate)) { _ in
            RequestFailure(.unreachable, message: "cannot reach 127.0.0.1:9: connection refused")
        }
        let reports = await engine(inputs, candidate: dead).evaluateGates()
        #expect(Set(reports.map(\.result.kind)) == [.golden, .guardrail, .injection, .tone])
        for r in reports {
            #expect(r.result.verdict == .error, "\(r.result.name)")
            #expect(r.result.errors?.refusesService == true)
        }
        // Retried (unreachable is transient) on the first five requests, then never asked again.
        let calls = dead.calls.withLock { $0 }
        #expect(calls <= (5 + 8) * 3, "\(calls) calls for \(reports.reduce(0) { $0 + $1.result.items * $1.result.samples }) requests")
        #expect(reports.dropFirst().allSatisfy { ($0.result.errors?.notSent ?? 0) > 0 })
    }

    @Test func aCanaryWhoseBothArmsFailRollsBackOnBrokenEvidence() async throws {
        var inputs = try Harness().inputs
        inputs.spec.gates = []
        inputs.spec.canary?.traffic.source = .sim
        inputs.spec.canary?.judge.kind = .threshold
        let outage: @Sendable (ModelRequest) -> RequestFailure? = { r in r.stream == "canary" ? .http(status: 502, message: "bad gateway") : nil }
        let candidate = FailingProvider(sim(inputs, .candidate), fails: outage)
        let baseline = FailingProvider(sim(inputs, .baseline), fails: outage)
        let e = engine(inputs, candidate: candidate, baseline: baseline)
        let outcome = await e.run()
        #expect(outcome == .rolledBack)
        let bodies = e.bus.events.map(\.body)
        let weights = bodies.compactMap { if case .weight(let w) = $0 { w } else { nil } }
        #expect(weights.last?.to == 0)
        #expect(!weights.contains { $0.to > 10 }, "the ramp never moved past the first step")
        let held = bodies.contains {
            if case .stage(let s) = $0, s.state == .paused, s.reason?.hasPrefix("EVIDENCE BROKEN") == true { true } else { false }
        }
        #expect(held, "the ramp was held first, with an event that says the evidence is broken")
        let finished = bodies.compactMap { if case .finished(let f) = $0 { f } else { nil } }.last
        #expect(
            finished?.reason.contains("EVIDENCE BROKEN at step 1 (10%): not one successful request in the interval") == true,
            "\(finished?.reason ?? "")")
    }

    @Test func aSharedBlipThatClearsLetsTheCanaryGoOn() async throws {
        var inputs = try Harness().inputs
        inputs.spec.gates = []
        inputs.spec.canary?.traffic.source = .sim
        inputs.spec.canary?.judge.kind = .threshold
        inputs.spec.canary?.failureLimit = 3
        // Every request fails for a while early on (both arms), then the outage ends.
        let counter = Mutex(0)
        let blip: @Sendable (ModelRequest) -> RequestFailure? = { r in
            guard r.stream == "canary" else { return nil }
            let n = counter.withLock { c -> Int in
                c += 1; return c
            }
            return n < 600 ? .http(status: 503, message: "provider incident") : nil
        }
        let e = engine(
            inputs, candidate: FailingProvider(sim(inputs, .candidate), fails: blip), baseline: FailingProvider(sim(inputs, .baseline), fails: blip))
        let outcome = await e.run()
        let bodies = e.bus.events.map(\.body)
        let resumed = bodies.contains { if case .stage(let s) = $0, s.reason?.hasPrefix("evidence sound again") == true { true } else { false } }
        #expect(resumed)
        let finished = bodies.compactMap { if case .finished(let f) = $0 { f } else { nil } }.last
        #expect(finished?.reason.contains("EVIDENCE BROKEN") == false, "\(outcome): \(finished?.reason ?? "")")
    }
}

/// A server that echoes the key back must not put it into the response cache or the reports.
struct EchoedSecretTests {
    @Test func anEchoedKeyIsMaskedInTheCacheAndTheReports() async throws {
        let key = "sk-echo-abcdefghijklmnopqrstu"
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { request in
            let auth = request.header("Authorization") ?? ""
            let bare = auth.replacingOccurrences(of: "Bearer sk-echo-", with: "")
            return .json(
                200,
                #"{"choices":[{"index":0,"message":{"role":"assistant","content":"you sent \#(auth) (\#(bare))"}}],"usage":{"prompt_tokens":1,"completion_tokens":1}}"#
            )
        }
        var inputs = try Harness().inputs
        inputs.spec.gates = inputs.spec.gates.filter { $0.kind == .golden }
        inputs.spec.gates[0].samples = 1
        inputs.spec.candidate.provider = .openai
        inputs.spec.candidate.openai = OpenAIVariantSpec(
            endpoint: EndpointSpec(baseURL: "http://127.0.0.1:\(server.port ?? 0)/v1", model: "m", apiKeyEnv: "RAMPART_TEST_ECHO_KEY"))
        let cachePath = Paths.temporaryDirectory() + "/cache.jsonl"
        var options = RunOptions(seed: 42, operator: "t", cache: ResponseCache(path: cachePath))
        options.environment = ["RAMPART_TEST_ECHO_KEY": key]
        let engine = Engine(inputs: inputs, clock: VirtualClock(), options: options)
        let report = try #require(await engine.evaluateGates().first)
        #expect(report.result.errors == nil)
        let cache = try String(contentsOfFile: cachePath, encoding: .utf8)
        #expect(cache.contains("[REDACTED]"))
        #expect(!cache.contains("abcdefghijklmnopqrstu"), "neither the key nor its unprefixed form")
        let json = String(
            decoding: try EvalReports.json(pipeline: "p", candidate: "c", baseline: "b", seed: 1, gates: inputs.spec.gates, reports: [report]),
            as: UTF8.self)
        let junit = EvalReports.junit(pipeline: "p", reports: [report])
        #expect(!json.contains("abcdefghijklmnopqrstu") && !junit.contains("abcdefghijklmnopqrstu"))
        await server.stop()
    }
}
