import Foundation
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine

@Suite(.serialized)
struct OpenAICompatibleTests {
    func server() async throws -> LiteLLMServer { try await LiteLLMServer.running() }

    func client(_ s: LiteLLMServer, key: String? = LiteLLMServer.keyVariable) -> OpenAIClient {
        OpenAIClient(
            baseURL: s.baseURL, apiKeyVariable: key, timeout: 120, retries: 1,
            environment: LiteLLMServer.environment.merging(["RAMPART_TEST_WRONG_KEY": "sk-not-the-key-12345"]) { a, _ in a }, sleep: { _ in })
    }

    @Test func theJudgeScoresAndExplains() async throws {
        let s = try await server()
        let judge = LLMJudge(client: client(s), model: "judge-good", rubric: "Correct and polite.")
        #expect(
            await judge.judge(question: "Return window?", reference: "30 days", answer: "30 days.")
                == .scored(score: 0.9, reason: "Accurate and courteous."))
        let fenced = LLMJudge(client: client(s), model: "judge-fenced", rubric: "r")
        #expect(await fenced.judge(question: "q", reference: nil, answer: "a") == .scored(score: 0.4, reason: "Misses the refund window."))
    }

    @Test func anUnparseableOrOffScaleJudgeIsAnErrorNeverAVerdict() async throws {
        let s = try await server()
        for model in ["judge-garbled", "judge-five-point", "no-such-model"] {
            let verdict = await LLMJudge(client: client(s), model: model, rubric: "r").judge(question: "q", reference: nil, answer: "a")
            guard case .error = verdict else { Issue.record("\(model) gave \(verdict)"); continue }
        }
    }

    @Test func aWrongOrMissingKeyFailsWithoutShowingTheKey() async throws {
        let s = try await server()
        do {
            _ = try await client(s, key: "RAMPART_TEST_WRONG_KEY").chat(model: "judge-good", system: nil, user: "hi")
            Issue.record("expected a 401")
        } catch {
            #expect(error.status == 401 || error.status == 400)
            #expect(!error.description.contains("sk-not-the-key-12345"))
        }
        do {
            _ = try await client(s, key: "RAMPART_TEST_UNSET_VARIABLE").chat(model: "judge-good", system: nil, user: "hi")
            Issue.record("expected a missing-key error")
        } catch {
            #expect(error.description == "the API key variable RAMPART_TEST_UNSET_VARIABLE is not set")
        }
    }

    @Test func embeddingsComeBackAsVectors() async throws {
        let s = try await server()
        let v = try await client(s).embeddings(model: "embed", inputs: ["hello"])
        #expect(v == [[0.1, 0.2, 0.3]])
        #expect(EmbeddingSimilarity.cosine([1, 0], [0, 1]) == 0)
        #expect(abs(EmbeddingSimilarity.cosine([1, 2, 3], [2, 4, 6]) - 1) < 1e-12)
    }

    func judgeInputs(_ s: LiteLLMServer, model: String, maxCalls: Int = 1000) throws -> PipelineInputs {
        var inputs = try Harness().inputs
        inputs.spec.judge = JudgeSpec(
            endpoint: EndpointSpec(baseURL: s.baseURL.absoluteString, model: model, apiKeyEnv: LiteLLMServer.keyVariable, timeout: 120),
            rubric: "Correct, complete and polite.", maxCalls: maxCalls)
        var gate = GateSpec(
            name: "judged", kind: .golden, dataset: inputs.spec.gates[0].dataset, metric: .llmJudge, samples: 1,
            thresholds: GateThresholds(minScore: 0.8))
        gate.concurrency = 4
        inputs.spec.gates = [gate]
        return inputs
    }

    @Test func aJudgedGatePassesOnTheJudgesScores() async throws {
        let s = try await server()
        let engine = Engine(
            inputs: try judgeInputs(s, model: "judge-good"), clock: VirtualClock(),
            options: RunOptions(seed: 42, operator: "t", environment: LiteLLMServer.environment))
        let report = try #require(await engine.evaluateGates().first)
        #expect(report.result.verdict == .pass)
        #expect(abs(report.result.checks[0].candidate - 0.9) < 1e-9)
        #expect(report.result.scoringErrors == 0)
    }

    @Test func aBrokenJudgeMakesTheGateErrorNeverAVerdict() async throws {
        let s = try await server()
        let engine = Engine(
            inputs: try judgeInputs(s, model: "judge-garbled"), clock: VirtualClock(),
            options: RunOptions(seed: 42, operator: "t", environment: LiteLLMServer.environment))
        let report = try #require(await engine.evaluateGates().first)
        #expect(report.result.verdict == .error)
        #expect(report.result.scoringErrors == report.result.items)
        #expect(report.result.errors?.first.kind == .malformed)
        #expect(report.result.errors?.summary.contains("the judge did not answer with a JSON object") == true)
        #expect(report.items.allSatisfy { $0.detail?.hasPrefix("ERROR") == true && $0.errorKind == .malformed })
    }

    @Test func theJudgeBudgetCapsCallsAndJudgedVerdictsAreCached() async throws {
        let s = try await server()
        let capped = Engine(
            inputs: try judgeInputs(s, model: "judge-good", maxCalls: 10), clock: VirtualClock(),
            options: RunOptions(seed: 42, operator: "t", environment: LiteLLMServer.environment))
        let report = try #require(await capped.evaluateGates().first)
        #expect(capped.judgeCallsLeft.withLock { $0 } == 0)
        #expect(report.result.verdict == .error)
        #expect(report.result.errors?.items == report.result.items, "ten calls score ten candidate answers; no item has both of its scores")
        #expect(report.result.errors?.first.message.contains("the judge's budget is spent (judge.max_calls 10)") == true)
        // With a cache, a second run spends no judge calls at all.
        let cache = Paths.temporaryDirectory() + "/cache.jsonl"
        let first = Engine(
            inputs: try judgeInputs(s, model: "judge-good"), clock: VirtualClock(),
            options: RunOptions(seed: 42, operator: "t", cache: ResponseCache(path: cache), environment: LiteLLMServer.environment))
        _ = await first.evaluateGates()
        let second = Engine(
            inputs: try judgeInputs(s, model: "judge-good", maxCalls: 1), clock: VirtualClock(),
            options: RunOptions(seed: 42, operator: "t", cache: ResponseCache(path: cache), environment: LiteLLMServer.environment))
        let again = try #require(await second.evaluateGates().first)
        #expect(again.result.verdict == .pass)
        #expect(second.judgeCallsLeft.withLock { $0 } == 1)
    }
}

/// The `openai` provider against LiteLLM: generation for gates with usage read back, and its
/// mock rate-limit and server errors driving the client's retries.
@Suite(.serialized)
struct OpenAIProviderTests {
    func provider(_ model: String, retries: Int = 2, calls: CallCounter? = nil) async throws -> OpenAIProvider {
        let s = try await LiteLLMServer.running()
        let spec = OpenAIVariantSpec(
            endpoint: EndpointSpec(baseURL: s.baseURL.absoluteString, model: model, apiKeyEnv: LiteLLMServer.keyVariable, timeout: 120),
            temperature: 0, maxTokens: 200, seed: 7)
        let client = OpenAIClient(
            baseURL: s.baseURL, apiKeyVariable: LiteLLMServer.keyVariable, timeout: 120, retries: retries, environment: LiteLLMServer.environment,
            sleep: { seconds in calls?.record(seconds) })
        return OpenAIProvider(spec: spec, client: client)
    }

    final class CallCounter: Sendable {
        let waits = Mutex<[Double]>([])
        func record(_ s: Double) { waits.withLock { $0.append(s) } }
    }

    @Test func generationReturnsTheAnswerAndItsUsage() async throws {
        let p = try await provider("support-bot-2025-09-14")
        let item = GoldenItem(id: "g1", input: "How long do I have to return something?", references: ["30 days"])
        let r = await p.complete(ModelRequest(system: "You are a support agent.", user: item.input, ask: .golden(item), stream: "gate"))
        #expect(!r.failed)
        #expect(r.text == "You can return an item within 30 days of delivery for a full refund.")
        #expect(r.promptTokens > 0 && r.completionTokens > 0)
        #expect(p.identity.contains("support-bot-2025-09-14") && p.identity.contains("seed:7"))
    }

    @Test func rateLimitsAndServerErrorsAreRetriedThenAFailedResponseNotACrash() async throws {
        let waits = CallCounter()
        let limited = try await provider("rate-limited", retries: 2, calls: waits)
        let item = GoldenItem(id: "g1", input: "hi", references: ["hello"])
        let r = await limited.complete(ModelRequest(system: "", user: "hi", ask: .golden(item), stream: "gate"))
        #expect(r.failed)
        #expect(waits.waits.withLock { $0.count } == 2, "a 429 is retried (twice here) before giving up")
        let broken = try await provider("broken", retries: 1, calls: CallCounter())
        #expect(await broken.complete(ModelRequest(system: "", user: "hi", ask: .golden(item), stream: "gate")).failed)
    }

    @Test func aGoldenGateRunsOnAnOpenAICompatibleCandidate() async throws {
        let s = try await LiteLLMServer.running()
        var inputs = try RunAssembly.load(file: Paths.example("demo.yaml"))
        inputs.spec.notify = []
        inputs.spec.gates = inputs.spec.gates.filter { $0.kind == .golden }
        inputs.spec.candidate.provider = .openai
        inputs.spec.candidate.openai = OpenAIVariantSpec(
            endpoint: EndpointSpec(baseURL: s.baseURL.absoluteString, model: "support-bot-2025-09-14", apiKeyEnv: LiteLLMServer.keyVariable))
        let engine = Engine(
            inputs: inputs, clock: VirtualClock(), options: RunOptions(seed: 1, operator: "t", environment: LiteLLMServer.environment))
        let reports = await engine.evaluateGates()
        let golden = try #require(reports.first)
        // The mock gives one answer to every question: token F1 against 60 different references is low.
        #expect(golden.result.verdict == .fail)
        #expect(golden.result.candidateErrors == 0)
        #expect(golden.items.count == 60)
    }
}
