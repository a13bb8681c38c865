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
/// (examples/aws.yaml, judged on percentiles, runs in AWSExampleTests.)
@Suite(.serialized) struct LambdaFleetTests {
    typealias Behaviour = SimulatedFleet.Behaviour

    /// Where the fleet's split lives: the router's settings, the versions' CloudWatch
    /// dimensions (in the spec and as the fleet puts them), and how the fleet reads its share.
    struct Target: Sendable {
        var router: String
        var dimensions: [(String, String)]
        var share: @Sendable () async -> Double?

        func dimensions(of version: String) -> [[String: String]] {
            dimensions.map { ["Name": $0.0, "Value": $0.1.replacingOccurrences(of: "{{version}}", with: version)] }
        }
    }

    /// A Lambda function on moto with versions 1 and 2 behind the alias `live`.
    func alias() async throws -> (MotoLambda, Target) {
        let unchecked = try await MotoServer.unchecked()
        let lambda = try await MotoLambda.create(on: unchecked)
        let target = Target(
            router:
                "{ kind: lambda_alias, function: \(lambda.function), alias: live, baseline_version: \"1\", candidate_version: \"2\", endpoint: \"\(unchecked.endpoint)\" }",
            dimensions: [("FunctionName", lambda.function), ("Resource", "\(lambda.function):live"), ("ExecutedVersion", "{{version}}")],
            share: { await lambda.candidatePercent() })
        return (lambda, target)
    }

    func run(candidate: Behaviour, on target: Target) async throws -> (outcome: RunOutcome, weights: [Double], events: [RunEvent]) {
        let checked = try await MotoServer.running()
        // Lambda's own namespace is AWS/Lambda, which only AWS may write to: the fleet's stand-in
        // metrics go under a namespace of the test's.
        let namespace = "Fleet/Lambda-\(UInt32.random(in: 0...UInt32.max))"
        let dimensions = target.dimensions.map { "\($0.0): \"\($0.1)\"" }.joined(separator: ", ")
        let yaml = """
            format: 1
            name: fleet
            baseline: { provider: sim, model: support-bot, version: "1" }
            candidate: { provider: sim, model: support-bot, version: "2" }
            canary:
              router: \(target.router)
              traffic: { source: external, dataset: data/golden.jsonl }
              metrics_source:
                kind: cloudwatch
                namespace: \(namespace)
                dimensions: { \(dimensions) }
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
        let fleet = SimulatedFleet(
            inner: source, cloudWatch: checked, namespace: namespace, versions: ("1", "2"),
            behaviour: ["1": Behaviour(errorRate: 0.01, durationMs: 800), "2": candidate], share: target.share,
            dimensions: { target.dimensions(of: $0) })
        parts.metricSource = fleet
        // CloudWatch keeps what the fleet put at wall-clock times: the run's hour is the last one.
        let clock = VirtualClock(epoch: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 3_600))
        let engine = Engine(inputs: inputs, clock: clock, options: options, parts: parts)
        let outcome = await engine.run()
        return (outcome, fleet.served.withLock { $0.weights }, engine.bus.events)
    }

    func reason(_ events: [RunEvent]) -> String {
        events.compactMap { if case .finished(let f) = $0.body { f.reason } else { nil } }.last ?? ""
    }

    @Test func aGoodCandidateIsPromotedOnTheAlias() async throws {
        let (lambda, target) = try await alias()
        let r = try await run(candidate: Behaviour(errorRate: 0.01, durationMs: 820), on: target)
        #expect(r.outcome == .promoted, "\(reason(r.events))")
        #expect(try await lambda.alias() == ("2", [:]), "promotion points the alias at the candidate with no extra weights")
        #expect(r.weights.contains(10) && r.weights.contains(50), "the fleet saw each step's weight on the alias: \(r.weights)")
        let analyses = r.events.compactMap { if case .analysis(let a) = $0.body { a } else { nil } }
        #expect(analyses.count >= 4 && analyses.allSatisfy { $0.decision != .rollback })
    }

    @Test func aDegradedCandidateIsRolledBackOffTheAlias() async throws {
        let (lambda, target) = try await alias()
        let r = try await run(candidate: Behaviour(errorRate: 0.10, durationMs: 800), on: target)
        #expect(r.outcome == .rolledBack, "\(reason(r.events))")
        #expect(reason(r.events).contains("error_rate"), "\(reason(r.events))")
        #expect(try await lambda.alias() == ("1", [:]), "rollback clears the weights")
        #expect(r.weights.first == 10 && !r.weights.contains(50), "rolled back in the first step: \(r.weights)")
    }

    /// The same fleet reading its split from an AppConfig flag through AppConfig Data.
    func appConfig() async throws -> (AppConfigStandIn, AppConfigStandIn.Flag, Target) {
        let s = try await AppConfigStandIn.shared()
        let flag = try await s.makeFlag()
        let target = Target(
            router: flag.router(endpoint: s.endpoint), dimensions: [("Service", "support-bot-\(flag.application)"), ("Version", "{{version}}")],
            share: { (try? await s.servedWeight(flag)).map { $0 ?? 0 } })
        return (s, flag, target)
    }

    @Test func aGoodCandidateIsPromotedThroughAppConfig() async throws {
        let (s, flag, target) = try await appConfig()
        let r = try await run(candidate: Behaviour(errorRate: 0.01, durationMs: 820), on: target)
        #expect(r.outcome == .promoted, "\(reason(r.events))")
        #expect(try await s.servedWeight(flag) == 100, "the fleet reads 100 % after the promotion")
        #expect(r.weights.contains(10) && r.weights.contains(50), "the fleet saw each step's weight: \(r.weights)")
        let deployments = try await s.deployments(flag)
        var weights: [Double] = []
        for d in deployments { weights.append(try await s.weight(flag, version: d.version)) }
        #expect(weights == [10, 50, 100] && deployments.allSatisfy { $0.state == "COMPLETE" }, "\(deployments) \(weights)")
    }

    @Test func aDegradedCandidateIsRolledBackThroughAppConfig() async throws {
        let (s, flag, target) = try await appConfig()
        let r = try await run(candidate: Behaviour(errorRate: 0.10, durationMs: 800), on: target)
        #expect(r.outcome == .rolledBack, "\(reason(r.events))")
        #expect(try await s.servedWeight(flag) == 0, "the fleet reads 0 % after the rollback")
        #expect(r.weights.first == 10 && !r.weights.contains(50), "rolled back in the first step: \(r.weights)")
    }
}
