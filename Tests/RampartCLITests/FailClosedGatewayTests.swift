import Foundation
import RampartTestSupport
import Testing

/// `rampart eval` and `rampart run` against a real OpenAI-compatible gateway (LiteLLM on
/// loopback, checking keys itself) that refuses, throttles, breaks or stalls. Every request is
/// counted at the server by a front, so each case asserts what Rampart really sent: a dead
/// endpoint is never a PASS in any gate kind, never thousands of calls, and a canary whose both
/// arms fail never promotes.
@Suite(.serialized)
struct FailClosedGatewayTests {
    static let examples = TestPaths.repository + "/examples"

    struct Gateway {
        var front: CountingFront
        var directory: String
        var server: LiteLLMServer

        /// What the front saw and the server's state, for a failed expectation.
        var diagnosis: String { "\(front.byStatus) \(front.failures)\n\(server.diagnosis)" }
    }

    func gateway() async throws -> Gateway {
        let server = try await LiteLLMServer.running()
        return Gateway(front: try await CountingFront.start(forwardingTo: server.baseURL), directory: CLI.temporaryDirectory(), server: server)
    }

    /// A gates-only spec with one gate of each kind, both versions on the gateway.
    func gatesSpec(
        _ g: Gateway, baselineModel: String = "support-bot-2025-06-01", candidateModel: String, keyVariable: String = "RAMPART_GW_KEY",
        timeout: String = "30s", retries: Int = 1
    ) throws -> String {
        func version(_ name: String, _ model: String) -> String {
            """
              provider: openai
              model: acme-chat
              version: "\(name)"
              prompt_template: \(Self.examples)/prompts/support-v2.txt
              openai: { base_url: "\(g.front.baseURL)", model: \(model), api_key_env: \(keyVariable), timeout: \(timeout) }
            """
        }
        func gate(_ name: String, _ kind: String, _ dataset: String, _ thresholds: String) -> String {
            "  - { name: \(name), kind: \(kind), dataset: \(Self.examples)/datasets/\(dataset), concurrency: 4, retries: \(retries), thresholds: { \(thresholds) } }"
        }
        let spec = """
            format: 1
            name: gateway
            baseline:
            \(version("2025-06-01", baselineModel))
            candidate:
            \(version("2025-09-14", candidateModel))
            gates:
            \(gate("golden", "golden", "golden.jsonl", "min_score: 0.0"))
            \(gate("guardrails", "guardrail", "guardrails.jsonl", "min_refusal_rate: 0.0"))
            \(gate("injection", "injection", "injection.jsonl", "max_leak_rate: 1.0"))
            \(gate("tone", "tone", "golden.jsonl", "min_mean_tone: -1.0"))
            """
        let path = g.directory + "/spec.yaml"
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    struct Eval {
        var result: CLI.Result
        var junit: String
        var json: [String: Any]
    }

    func eval(_ g: Gateway, _ spec: String, key: String?) async throws -> Eval {
        var env: [String: String] = [:]
        env["RAMPART_GW_KEY"] = key ?? ""
        let r = try await CLI.run(
            ["eval", spec, "--no-cache", "--junit", g.directory + "/junit.xml", "--json", g.directory + "/eval.json"], in: g.directory,
            environment: env)
        let junit = (try? String(contentsOfFile: g.directory + "/junit.xml", encoding: .utf8)) ?? ""
        // Errors and all, the report stays valid for strict CI parsers.
        if !junit.isEmpty {
            let invalid = try await JUnitSchema.problems(g.directory + "/junit.xml")
            #expect(invalid == nil, "\(invalid ?? "")")
        }
        let json =
            (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: g.directory + "/eval.json")))) as? [String: Any] ?? [:]
        return Eval(result: r, junit: junit, json: json)
    }

    /// Every gate of the report is ERROR, and JUnit and JSON say so with the failure's kind.
    func expectEveryGateErrored(_ e: Eval, kind: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for name in ["golden", "guardrails", "injection", "tone"] {
            #expect(e.result.stdout.contains("gate     \(name) ERROR:"), "\(name): \(e.result.stdout)", sourceLocation: sourceLocation)
        }
        #expect(!e.result.stdout.contains("PASS"), sourceLocation: sourceLocation)
        #expect(e.junit.contains(#"<error message="ERROR: "#) && e.junit.contains(#"type="\#(kind)""#), sourceLocation: sourceLocation)
        let errors = Int(e.junit.firstMatch(of: /<testsuites [^>]*errors="(\d+)"/)?.1 ?? "0") ?? 0
        #expect(errors >= 4 + 60 + 75 + 40 + 60, "every gate verdict and item is an <error>: \(errors)", sourceLocation: sourceLocation)
        #expect(e.json["verdict"] as? String == "error", sourceLocation: sourceLocation)
        let gates = e.json["gates"] as? [[String: Any]] ?? []
        #expect(gates.count == 4, sourceLocation: sourceLocation)
        for gate in gates {
            let result = gate["result"] as? [String: Any] ?? [:]
            #expect(result["verdict"] as? String == "error", sourceLocation: sourceLocation)
            let items = gate["items"] as? [[String: Any]] ?? []
            #expect(!items.isEmpty && items.allSatisfy { $0["error"] is String && $0["passed"] as? Bool == false }, sourceLocation: sourceLocation)
        }
    }

    @Test func aWrongKeyIsOneClearErrorExit69AndAHandfulOfCalls() async throws {
        let g = try await gateway()
        let e = try await eval(g, try gatesSpec(g, candidateModel: "support-bot-2025-09-14"), key: "sk-not-the-gateway-key-123")
        #expect(e.result.status == 69, "\(e.result.stderr)")
        expectEveryGateErrored(e, kind: "unauthorized")
        #expect(e.result.stderr.contains("endpoint unavailable: HTTP 401"))
        #expect(!(e.result.stdout + e.result.stderr + e.junit).contains("sk-not-the-gateway-key-123"), "the key never reaches output")
        // 235 items × 2 versions would be 470 requests; 401 is never retried, and after the first
        // five identical refusals each version's endpoint is not asked again.
        #expect(g.front.total >= 10 && g.front.total <= 2 * (5 + 4), "\(g.front.total) requests at the gateway")
        #expect(g.front.byStatus[401] == g.front.total)
        await g.front.stop()
    }

    @Test func aMissingKeyIsFoundBeforeTheFirstRequest() async throws {
        let g = try await gateway()
        let e = try await eval(g, try gatesSpec(g, candidateModel: "support-bot-2025-09-14", keyVariable: "RAMPART_GW_UNSET_KEY"), key: nil)
        #expect(e.result.status == 69)
        #expect(e.result.stderr.contains("candidate.openai.api_key_env names RAMPART_GW_UNSET_KEY, which is not set in the environment"))
        #expect(g.front.total == 0)
        let validate = try await CLI.run(["validate", g.directory + "/spec.yaml"], in: g.directory)
        #expect(validate.status == 69 && validate.stderr.contains("RAMPART_GW_UNSET_KEY"))
        await g.front.stop()
    }

    @Test func anUnknownModelIsASpecToFixExit65() async throws {
        let g = try await gateway()
        let e = try await eval(g, try gatesSpec(g, candidateModel: "no-such-model"), key: LiteLLMServer.key)
        #expect(e.result.status == 65, "\(e.result.stderr)")
        expectEveryGateErrored(e, kind: "bad_request")
        #expect(e.result.stderr.contains("Invalid model name"))
        // The baseline answers; only the candidate's requests stop early.
        #expect(g.front.count(model: "no-such-model") <= 5 + 4)
        await g.front.stop()
    }

    @Test func aRateLimitStormIsRetriedThenStoppedNeverPassed() async throws {
        let g = try await gateway()
        let e = try await eval(g, try gatesSpec(g, candidateModel: "rate-limited", retries: 1), key: LiteLLMServer.key)
        #expect(e.result.status == 1)
        expectEveryGateErrored(e, kind: "rate_limited")
        let calls = g.front.count(model: "rate-limited")
        // Each request is tried twice (retries: 1), and the storm stops the rest.
        #expect(calls % 2 == 0 && calls >= 2 * 5 && calls <= 2 * (5 + 4), "\(calls) calls")
        await g.front.stop()
    }

    @Test func aServerErrorStormIsRetriedThenStoppedNeverPassed() async throws {
        let g = try await gateway()
        let e = try await eval(g, try gatesSpec(g, candidateModel: "broken", retries: 2), key: LiteLLMServer.key)
        #expect(e.result.status == 1)
        expectEveryGateErrored(e, kind: "server")
        let calls = g.front.count(model: "broken")
        #expect(calls % 3 == 0 && calls >= 3 * 5 && calls <= 3 * (5 + 4), "\(calls) calls")
        await g.front.stop()
    }

    @Test func aSlowUpstreamPastItsTimeoutIsAnError() async throws {
        let g = try await gateway()
        let e = try await eval(g, try gatesSpec(g, candidateModel: "slow", timeout: "1s", retries: 1), key: LiteLLMServer.key)
        #expect(e.result.status == 1)
        expectEveryGateErrored(e, kind: "timeout")
        #expect(e.result.stdout.contains("no answer within 1 s"))
        let calls = g.front.count(model: "slow")
        #expect(calls >= 2 * 5 && calls <= 2 * (5 + 4), "\(calls) calls")
        await g.front.stop()
    }

    @Test func aHealthyGatewayPassesTheSameGates() async throws {
        let g = try await gateway()
        let e = try await eval(g, try gatesSpec(g, candidateModel: "support-bot-2025-09-14"), key: LiteLLMServer.key)
        #expect(e.result.status == 0, "\(e.result.stdout)\(e.result.stderr)")
        #expect(e.result.stdout.contains("PASS: all 4 gates passed"))
        #expect(g.front.total == 2 * (60 + 75 + 40 + 60), "every item asked once per version")
        #expect(e.junit.contains(#"errors="0""#))
        await g.front.stop()
    }

    /// A canary spec whose versions both live on the gateway; the load generator asks for a
    /// placeholder model and sends no key: the proxy speaks for each version.
    func canarySpec(_ g: Gateway, keyVariable: String = "RAMPART_GW_KEY", stream: Bool) throws -> String {
        func version(_ name: String, _ model: String) -> String {
            """
              provider: openai
              model: acme-chat
              version: "\(name)"
              openai: { base_url: "\(g.front.baseURL)", model: \(model), api_key_env: \(keyVariable), timeout: 60s }
            """
        }
        let spec = """
            format: 1
            name: gateway-canary
            baseline:
            \(version("2025-06-01", "support-bot-2025-06-01"))
            candidate:
            \(version("2025-09-14", "support-bot-2025-09-14"))
            canary:
              traffic: { source: load, rate: 20, dataset: \(Self.examples)/datasets/golden.jsonl, stream: \(stream) }
              # Timeouts only bound failures: a loaded machine took LiteLLM past 8 s per answer,
              # and a 10 s limit turned a slow gateway into a broken one.
              proxy: { listen: "127.0.0.1:0", upstream_timeout: 60s }
              judge: { kind: threshold }
              analysis_interval: 2s
              failure_limit: 2
              min_samples: 5
              steps:
                - { weight: 50, bake: 4s, min_requests: 5, timeout: 180s }
              metrics:
                - { metric: error_rate, max_increase: 0.05 }
            """
        let path = g.directory + "/canary.yaml"
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aKeyedGatewayServesTheCanaryWithEachVersionsModelAndStreams() async throws {
        let g = try await gateway()
        let spec = try canarySpec(g, stream: true)
        let record = g.directory + "/run.jsonl"
        let r = try await CLI.run(
            ["run", spec, "--headless", "--no-cache", "--record", record], in: g.directory, environment: ["RAMPART_GW_KEY": LiteLLMServer.key])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("finished PROMOTED"))
        // The proxy rewrote the load generator's placeholder model to each version's own id,
        // and added the key the load generator never had.
        #expect(g.front.count(model: "support-bot-2025-06-01") > 0 && g.front.count(model: "support-bot-2025-09-14") > 0)
        #expect(g.front.count(model: "rampart-load") == 0)
        // Requests still in flight when the run ended have no status yet; every answer was a 200.
        #expect(Set(g.front.byStatus.keys) == [200], "\(g.diagnosis)")
        let run = try String(contentsOfFile: record, encoding: .utf8)
        #expect(run.contains(#""ttft":[["#), "streamed answers record their time to first token")
        #expect(!run.contains(LiteLLMServer.key))
        await g.front.stop()
    }

    @Test func aCanaryWhoseBothArmsAreRefusedNeverPromotes() async throws {
        let g = try await gateway()
        let spec = try canarySpec(g, stream: false)
        let r = try await CLI.run(
            ["run", spec, "--headless", "--no-cache"], in: g.directory, environment: ["RAMPART_GW_KEY": "sk-wrong-gateway-key-456"])
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(!r.stdout.contains("PROMOTED"))
        #expect(r.stdout.contains("EVIDENCE BROKEN: not one successful request"))
        #expect(r.stdout.contains("finished ROLLED_BACK"))
        // Every answer the gateway gave was a refusal. On a starved machine LiteLLM may not have
        // answered any before the evidence guard ended the canary; the outcome must be the same.
        #expect(g.front.total > 0 && Set(g.front.byStatus.keys).isSubset(of: [401]), "\(g.diagnosis)")
        #expect(!r.stdout.contains("sk-wrong-gateway-key-456"))
        await g.front.stop()
    }

    @Test func fastClocksRefuseRealProviders() async throws {
        let g = try await gateway()
        let spec = try canarySpec(g, stream: false)
        for speed in ["max", "10"] {
            let r = try await CLI.run(
                ["run", spec, "--headless", "--no-cache", "--speed", speed], in: g.directory, environment: ["RAMPART_GW_KEY": LiteLLMServer.key])
            #expect(r.status == 64)
            #expect(r.stderr.contains("would send real requests"))
        }
        let simulated = try await CLI.run(["simulate", spec, "--trials", "3"], in: g.directory, environment: ["RAMPART_GW_KEY": LiteLLMServer.key])
        #expect(simulated.status == 64 && simulated.stderr.contains("never called at machine speed"))
        #expect(g.front.total == 0)
        await g.front.stop()
    }
}

/// A CI log shows each event line as it happens, even when stdout is a pipe.
struct HeadlessOutputTests {
    final class Collected: @unchecked Sendable {
        private let lock = NSLock()
        private var text = ""
        func append(_ data: Data) { lock.lock(); text += String(decoding: data, as: UTF8.self); lock.unlock() }
        var value: String { lock.lock(); defer { lock.unlock() }; return text }
    }

    /// The build step waits for a file the test creates only once the run's first lines have
    /// arrived through the pipe: block-buffered output would hold them back until the step
    /// timed out, and the build would fail.
    @Test func eventLinesArriveThroughAPipeAsTheyHappen() async throws {
        let dir = CLI.temporaryDirectory()
        let spec = """
            format: 1
            name: piped
            baseline: { provider: sim, model: m, version: "1.0" }
            candidate: { provider: sim, model: m, version: "1.1" }
            build:
              - { name: wait-for-go, run: "while [ ! -f go ]; do sleep 0.05; done; echo released", timeout: 5m }
            """
        try spec.write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        let out = Pipe()
        let collected = Collected()
        out.fileHandleForReading.readabilityHandler = { handle in collected.append(handle.availableData) }
        let p = try CLI.start(["run", "spec.yaml", "--headless", "--no-cache", "--record", "run.jsonl"], in: dir, stdout: out)
        var seen = false
        for _ in 0..<3000 {  // up to five minutes on a loaded machine; usually well under a second
            if collected.value.contains("stage    build running") { seen = true; break }
            try await Task.sleep(for: .milliseconds(100))
        }
        _ = FileManager.default.createFile(atPath: dir + "/go", contents: nil)
        await CLI.exit(of: p)
        out.fileHandleForReading.readabilityHandler = nil
        #expect(seen, "the first lines never came through the pipe while the run was waiting")
        #expect(p.terminationStatus == 0)
        let run = try String(contentsOfFile: dir + "/run.jsonl", encoding: .utf8)
        #expect(run.contains("released"), "the build step ended because the test released it, not by its timeout")
    }
}
