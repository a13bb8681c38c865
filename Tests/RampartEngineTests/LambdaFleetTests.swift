import Foundation
import RampartAWS
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine

/// The canary on AWS end to end, on the engine's virtual clock: a simulated fleet invokes the
/// Lambda alias (on moto) at 20 requests a second, each request going to the version the
/// alias's weights pick, and reports each version's invocations, errors and duration to
/// CloudWatch (on moto, signature checking on) as Lambda does (`ExecutedVersion`). Rampart
/// ramps the alias, judges from CloudWatch, and the alias ends where the outcome says.
/// CloudWatch percentiles are not served by moto, so duration is judged on its Average here.
@Suite(.serialized) struct LambdaFleetTests {
    /// Each version's behaviour in the fleet.
    struct Behaviour: Sendable {
        var errorRate: Double
        var durationMs: Double
    }

    /// Before each of the judge's reads, the fleet serves the time since the last one: it reads
    /// the alias's weights (GetAlias), splits the invocations by them and puts the versions'
    /// metrics into CloudWatch; then the real CloudWatch source reads them back.
    final class Fleet: MetricSource {
        let inner: any MetricSource
        let lambda: MotoLambda
        /// Where CloudWatch is (Lambda is on the unchecked server, CloudWatch on the checked one).
        let cloudWatch: MotoServer
        let namespace: String
        let behaviour: [String: Behaviour]
        let served = Mutex<(last: Double, weights: [Double])>((0, []))

        init(inner: any MetricSource, lambda: MotoLambda, cloudWatch: MotoServer, namespace: String, behaviour: [String: Behaviour]) {
            self.inner = inner
            self.lambda = lambda
            self.cloudWatch = cloudWatch
            self.namespace = namespace
            self.behaviour = behaviour
        }

        var name: String { inner.name }

        func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings {
            let last = served.withLock { $0.last }
            if now > last, let share = await lambda.candidatePercent() {
                served.withLock { s in
                    s.last = now
                    s.weights.append(share)
                }
                let total = 20 * (now - last)
                let candidate = (total * share / 100).rounded()
                let counts = ["1": total - candidate, "2": candidate]
                var data: [[String: Any]] = []
                for (version, n) in counts where n > 0 {
                    let b = behaviour[version]!
                    let dims = [
                        ["Name": "FunctionName", "Value": lambda.function], ["Name": "Resource", "Value": "\(lambda.function):live"],
                        ["Name": "ExecutedVersion", "Value": version],
                    ]
                    let at = clock.date(at: now - 1).timeIntervalSince1970
                    for (metric, value) in [("Invocations", n), ("Errors", (n * b.errorRate).rounded()), ("Duration", b.durationMs)] {
                        data.append(["MetricName": metric, "Dimensions": dims, "Timestamp": at, "Value": value])
                    }
                }
                do {
                    _ = try await cloudWatch.client(.cloudWatch).cloudWatch("PutMetricData", ["Namespace": namespace, "MetricData": data])
                } catch {
                    Issue.record("the fleet could not put its metrics: \(error)")
                }
            }
            return await inner.read(stepStart: stepStart, now: now, clock: clock)
        }
    }

    func run(candidate: Behaviour) async throws -> (outcome: RunOutcome, alias: (String, [String: Double]), weights: [Double], events: [RunEvent]) {
        let unchecked = try await MotoServer.unchecked()
        let checked = try await MotoServer.running()
        let lambda = try await MotoLambda.create(on: unchecked)
        // Lambda's own namespace is AWS/Lambda, which only AWS may write to: the fleet's stand-in
        // metrics go under a namespace of the test's.
        let namespace = "Fleet/Lambda-\(UInt32.random(in: 0...UInt32.max))"
        let yaml = """
            format: 1
            name: fleet
            baseline: { provider: sim, model: support-bot, version: "1" }
            candidate: { provider: sim, model: support-bot, version: "2" }
            canary:
              router: { kind: lambda_alias, function: \(lambda.function), alias: live, baseline_version: "1", candidate_version: "2", endpoint: "\(unchecked.endpoint)" }
              traffic: { source: external, dataset: data/golden.jsonl }
              metrics_source:
                kind: cloudwatch
                namespace: \(namespace)
                dimensions: { FunctionName: \(lambda.function), Resource: "\(lambda.function):live", ExecutedVersion: "{{version}}" }
                period: 60
                requests: { metric: Invocations, stat: Sum }
                errors: { metric: Errors, stat: Sum }
                metrics: { latency_p50: { metric: Duration, stat: Average } }
                endpoint: "\(checked.endpoint)"
              judge: threshold
              analysis_interval: 60s
              failure_limit: 1
              min_samples: 50
              steps:
                - { weight: 10, bake: 3m }
                - { weight: 50, bake: 3m }
              metrics:
                - { metric: error_rate, max_increase: 0.02 }
                - { metric: latency_p50, max_ratio: 1.2 }

            """
        let spec = try SpecLoader.parse(
            yaml, file: "fleet.yaml", directory: Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs", kinds: RunAssembly.kinds)
        let inputs = PipelineInputs(spec: spec, specText: yaml)
        var options = RunOptions(seed: 42, operator: "fleet-test")
        options.environment = checked.processEnvironment
        var parts = RunAssembly.parts(inputs: inputs, options: options)
        let source = try #require(parts.metricSource)
        let fleet = Fleet(
            inner: source, lambda: lambda, cloudWatch: checked, namespace: namespace,
            behaviour: ["1": Behaviour(errorRate: 0.01, durationMs: 800), "2": candidate])
        parts.metricSource = fleet
        // CloudWatch keeps what the fleet put at wall-clock times: the run's hour is the last one.
        let clock = VirtualClock(epoch: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 3_600))
        let engine = Engine(inputs: inputs, clock: clock, options: options, parts: parts)
        let outcome = await engine.run()
        return (outcome, try await lambda.alias(), fleet.served.withLock { $0.weights }, engine.bus.events)
    }

    @Test func aGoodCandidateIsPromotedOnTheAlias() async throws {
        let r = try await run(candidate: Behaviour(errorRate: 0.01, durationMs: 820))
        let reason = r.events.compactMap { if case .finished(let f) = $0.body { f.reason } else { nil } }.last ?? ""
        let log = r.events.map { EventLine.format($0) }.filter { !$0.contains("metrics  step") }.prefix(40).joined(separator: " | ")
        #expect(r.outcome == .promoted, "\(log)")
        #expect(r.outcome == .promoted, "\(reason)")
        #expect(r.alias == ("2", [:]), "promotion points the alias at the candidate with no extra weights")
        #expect(r.weights.contains(10) && r.weights.contains(50), "the fleet saw each step's weight on the alias: \(r.weights)")
        let analyses = r.events.compactMap { if case .analysis(let a) = $0.body { a } else { nil } }
        #expect(analyses.count >= 4 && analyses.allSatisfy { $0.decision != .rollback })
    }

    @Test func aDegradedCandidateIsRolledBackOffTheAlias() async throws {
        let r = try await run(candidate: Behaviour(errorRate: 0.10, durationMs: 800))
        let reason = r.events.compactMap { if case .finished(let f) = $0.body { f.reason } else { nil } }.last ?? ""
        #expect(r.outcome == .rolledBack, "\(reason)")
        #expect(reason.contains("error_rate"), "\(reason)")
        #expect(r.alias == ("1", [:]), "rollback clears the weights")
        #expect(r.weights.first == 10 && !r.weights.contains(50), "rolled back in the first step: \(r.weights)")
    }
}
