import Foundation
import RampartNet
import RampartTestSupport
import Testing

@testable import RampartCore
@testable import RampartEngine

/// Behind a real nginx, the canary's traffic goes through Rampart's meters, which stop with the
/// run. When the run ends, nginx must point at the versions' own servers: after a promotion a
/// request through nginx reaches the candidate, after a rollback the baseline, never a 502.
@Suite(.serialized) struct NginxSettleTests {
    func version(_ name: String) async throws -> HTTPServer {
        let body =
            #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"served by \#(name)"}}],"usage":{"prompt_tokens":3,"completion_tokens":3}}"#
        return try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .json(200, body) }
    }

    func run(rollbackAt: Double?) async throws -> (RunOutcome, String, String) {
        let baseline = try await version("baseline"), candidate = try await version("candidate")
        defer {
            Task {
                await baseline.stop(); await candidate.stop()
            }
        }
        for attempt in 1...4 {
            let meterPorts = (try await Daemons.freePort(), try await Daemons.freePort())
            let bm = "127.0.0.1:\(meterPorts.0)", cm = "127.0.0.1:\(meterPorts.1)"
            let nginx = try await NginxDaemon.start(
                upstream: NginxRouter.render(upstream: "app", baseline: bm, candidate: cm, percent: 0, at: "start"), proxyTo: "app")
            defer { nginx.stop() }
            var inputs = try RunAssembly.load(file: Paths.example("prometheus-nginx.yaml"))
            inputs.spec.notify = []
            inputs.spec.gates = []
            inputs.spec.build = []
            var canary = try #require(inputs.spec.canary)
            canary.router = .nginx(
                NginxRouterSpec(
                    path: nginx.dir + "/upstream.conf", upstream: "app", baseline: bm, candidate: cm,
                    test: nginx.control + " -t", reload: nginx.control + " -s reload", timeout: 60))
            canary.proxy.meter = ProxySpec.Meter(
                baseline: .init(host: "127.0.0.1", port: meterPorts.0), candidate: .init(host: "127.0.0.1", port: meterPorts.1))
            canary.proxy.baselineURL = "http://127.0.0.1:\(baseline.port!)/v1"
            canary.proxy.candidateURL = "http://127.0.0.1:\(candidate.port!)/v1"
            canary.traffic.target = "http://127.0.0.1:\(nginx.port)"
            canary.traffic.rate = 20
            canary.metricsSource = .observations
            canary.judge.kind = .threshold
            canary.analysisInterval = 1
            canary.minSamples = 3
            canary.steps = [CanaryStep(weight: 50, bake: 3, minRequests: 3, timeout: 60)]
            canary.metrics = [MetricCheck(metric: .errorRate, maxIncrease: 0.5)]
            inputs.spec.canary = canary
            let plane: DataPlane
            do {
                plane = try await DataPlane.start(inputs: inputs, seed: 42, environment: [:])
            } catch let e as RouterError where e.message.contains("address already in use") && attempt < 4 {
                continue
            }
            let schedule = rollbackAt.map { [ScheduledCommand(at: $0, command: OperatorCommand(.rollback, operator: "t", reason: "test"))] } ?? []
            let engine = Engine(
                inputs: inputs, clock: WallClock(speed: 1), options: RunOptions(seed: 42, operator: "t", schedule: schedule), dataPlane: plane)
            let outcome = await engine.run()
            await plane.stop()
            // The meters are gone now; ask nginx.
            let pool = HTTPEndpoint(host: "127.0.0.1", port: nginx.port)
            let body = Array(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#.utf8)
            func ask() async -> String {
                guard
                    let a = try? await pool.send(
                        HTTPRequestMessage(method: "POST", uri: "/v1/chat/completions", headers: [("Content-Type", "application/json")], body: body),
                        timeout: 60)
                else { return "no answer" }
                return "\(a.status) \(a.text)"
            }
            // A reload is graceful: the old workers finish what they hold before the new config
            // serves everything. Readiness: wait for an answer from the final config, then ask again.
            let expected = rollbackAt == nil ? "served by candidate" : "served by baseline"
            var answer = await ask()
            for _ in 0..<100 where !answer.contains(expected) {
                try await Task.sleep(for: .milliseconds(100))
                answer = await ask()
            }
            var answers = [answer]
            for _ in 0..<5 { answers.append(await ask()) }
            let file = try String(contentsOfFile: nginx.dir + "/upstream.conf", encoding: .utf8)
            return (outcome, answers.allSatisfy { $0 == answers[0] } ? answers[0] : answers.joined(separator: " | "), file)
        }
        throw CancellationError()
    }

    @Test func afterPromotionNginxServesTheCandidatesOwnServer() async throws {
        let (outcome, answer, file) = try await run(rollbackAt: nil)
        #expect(outcome == .promoted)
        #expect(answer.hasPrefix("200 ") && answer.contains("served by candidate"), "\(answer)")
        #expect(file.contains("candidate at 100%"))
    }

    @Test func afterRollbackNginxServesTheBaselinesOwnServer() async throws {
        let (outcome, answer, file) = try await run(rollbackAt: 2)
        #expect(outcome == .rolledBack)
        #expect(answer.hasPrefix("200 ") && answer.contains("served by baseline"), "\(answer)")
        #expect(file.contains("candidate at 0%"))
    }
}
