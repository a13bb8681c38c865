import Foundation
import RampartAWS
import RampartTestSupport
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `examples/aws.yaml` as it is in the repository, run whole on the engine's virtual clock:
/// the gates on Bedrock (the Converse stand-in, serving the simulator's answers), the canary on
/// the Lambda alias `live` of `support-bot` (versions 3 and 4, on moto), judged from CloudWatch
/// on percentiles of `Duration` (moto with the percentile statistics it lacks) with its two
/// alarms as guards, and notifications through SNS read back from an SQS queue. The fleet
/// plays Lambda: it splits its invocations by the alias's weights and reports them under
/// `AWS/Lambda` with `ExecutedVersion`, as Lambda does (moto lets a test write that namespace;
/// AWS does not, because Lambda writes it itself).
///
/// CloudWatch data cannot be deleted and these runs share the function's dimensions, so each
/// test runs in an hour window of its own (moto also ignores the namespace of a query with
/// dimensions, so other tests use functions of their own names).
@Suite(.serialized) struct AWSExampleTests {
    typealias Behaviour = SimulatedFleet.Behaviour
    static let alarms = ["support-bot-5xx", "support-bot-throttles"]

    struct Run {
        var outcome: RunOutcome
        var alias: (version: String, weights: [String: Double])
        /// The candidate's share the fleet read before each of the judge's reads.
        var weights: [Double]
        var events: [RunEvent]
        /// The SNS messages' subjects and bodies, from the queue.
        var notifications: [String]
        var reason: String {
            events.compactMap { if case .finished(let f) = $0.body { f.reason } else { nil } }.last ?? ""
        }
        var analyses: [CanaryAnalysis] { events.compactMap { if case .analysis(let a) = $0.body { a } else { nil } } }
    }

    func cloudWatch(_ moto: MotoServer, _ operation: String, _ body: [String: Any]) async throws {
        _ = try await moto.client(.cloudWatch).cloudWatch(operation, body)
    }

    /// Runs examples/aws.yaml with `candidate` as version 4's behaviour, `hoursBack` hours in
    /// the past; `before` runs before each of the judge's reads with the engine time.
    func run(candidate: Behaviour, hoursBack: Double, before: @escaping @Sendable (Double) async -> Void = { _ in }) async throws -> Run {
        let checked = try await MotoServer.running()
        let unchecked = try await MotoServer.unchecked()
        let inputs = try RunAssembly.load(file: Paths.example("aws.yaml"))

        // Bedrock: the simulator's answers to every gate prompt, served by the stand-in.
        let (simReports, answers) = try await BedrockStandInTests().simulated(inputs, candidateLeak: 0)
        #expect(simReports.allSatisfy { $0.result.verdict == .pass }, "the simulated versions pass the gates")
        let bedrock = try await ConverseStandIn.start(
            .init(region: "eu-west-1", credentials: [checked.credentials.accessKeyID: checked.credentials.secretAccessKey], answers: answers))
        defer { bedrock.stop() }

        // Lambda: support-bot with versions 1…4, the alias on 3 with no extra weights.
        let lambda = try await MotoLambda.create(on: unchecked, name: "support-bot", versions: 4, aliasVersion: "3")

        // SNS: the example's topic (moto's account is the example's 123456789012), with a queue.
        let sns = checked.client(.sns)
        let sqs = checked.client(.sqs)
        let topic = try #require(try await sns.query("CreateTopic", version: "2010-03-31", [("Name", "rampart-releases")]).first("TopicArn"))
        #expect(topic == "arn:aws:sns:eu-west-1:123456789012:rampart-releases")
        let queue = "releases-\(UInt32.random(in: 0...UInt32.max))"
        let created = try await sqs.json(target: "AmazonSQS.CreateQueue", body: Array(#"{"QueueName":"\#(queue)"}"#.utf8))
        let queueURL = try #require((try JSONSerialization.jsonObject(with: Data(created)) as? [String: Any])?["QueueUrl"] as? String)
        _ = try await sns.query(
            "Subscribe", version: "2010-03-31",
            [("TopicArn", topic), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:eu-west-1:123456789012:\(queue)")])

        // CloudWatch: the example's two alarms, quiet.
        for name in Self.alarms {
            try await cloudWatch(
                checked, "PutMetricAlarm",
                [
                    "AlarmName": name, "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60,
                    "EvaluationPeriods": 1, "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold",
                ])
            try await cloudWatch(checked, "SetAlarmState", ["AlarmName": name, "StateValue": "OK", "StateReason": "quiet"])
        }

        var environment = checked.processEnvironment
        environment["AWS_ENDPOINT_URL_BEDROCK_RUNTIME"] = bedrock.endpoint
        environment["AWS_ENDPOINT_URL_LAMBDA"] = unchecked.endpoint
        environment["AWS_ENDPOINT_URL_CLOUDWATCH"] = checked.endpoint
        environment["AWS_ENDPOINT_URL_SNS"] = checked.endpoint
        var options = RunOptions(seed: 42, operator: "release-bot", environment: environment)
        options.realWait = { _ in }
        var parts = RunAssembly.parts(inputs: inputs, options: options)
        let source = try #require(parts.metricSource)
        let fleet = SimulatedFleet(
            inner: source, cloudWatch: checked, namespace: "AWS/Lambda", versions: ("3", "4"),
            behaviour: ["3": Behaviour(errorRate: 0.01, durationMs: 800, tailMs: 2000), "4": candidate],
            share: { await lambda.candidatePercent(baseline: "3", candidate: "4") },
            dimensions: { v in
                [
                    ["Name": "FunctionName", "Value": "support-bot"], ["Name": "Resource", "Value": "support-bot:live"],
                    ["Name": "ExecutedVersion", "Value": v],
                ]
            }, before: before)
        parts.metricSource = fleet
        let start = (Date().timeIntervalSince1970 / 3600).rounded(.down) * 3600 - hoursBack * 3600
        let engine = Engine(inputs: inputs, clock: VirtualClock(epoch: Date(timeIntervalSince1970: start)), options: options, parts: parts)
        let outcome = await engine.run()

        let body = #"{"QueueUrl":"\#(queueURL)","MaxNumberOfMessages":10}"#
        let received = try await sqs.json(target: "AmazonSQS.ReceiveMessage", body: Array(body.utf8))
        let messages = (try JSONSerialization.jsonObject(with: Data(received)) as? [String: Any])?["Messages"] as? [[String: Any]] ?? []
        let notifications = messages.compactMap { m -> String? in
            guard let envelope = (m["Body"] as? String).flatMap({ try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
            else { return nil }
            return "\(envelope["Subject"] as? String ?? "")\n\(envelope["Message"] as? String ?? "")"
        }
        return Run(
            outcome: outcome, alias: try await lambda.alias(), weights: fleet.served.withLock { $0.weights }, events: engine.bus.events,
            notifications: notifications)
    }

    @Test func aGoodCandidateIsPromotedOnTheAlias() async throws {
        let r = try await run(candidate: Behaviour(errorRate: 0.005, durationMs: 820, tailMs: 2100), hoursBack: 3)
        #expect(r.outcome == .promoted, "\(r.reason)")
        #expect(r.alias.version == "4" && r.alias.weights.isEmpty, "promotion points the alias at version 4: \(r.alias)")
        // Every step's weight was on the alias when the fleet served, in order.
        let steps = r.weights.reduce(into: [Double]()) { if $0.last != $1 { $0.append($1) } }
        #expect(steps == [5, 25, 50], "\(r.weights)")
        // The judge read each arm's p95 and p50 of Duration from CloudWatch: the fleet's tails and medians.
        let p95 = r.analyses.flatMap(\.results).filter { $0.metric == .latencyP95 && $0.baseline != nil }
        #expect(!p95.isEmpty && p95.allSatisfy { $0.baseline == 2000 && $0.candidate == 2100 }, "\(p95.map { ($0.baseline, $0.candidate) })")
        let p50 = r.analyses.flatMap(\.results).filter { $0.metric == .latencyP50 && $0.baseline != nil }
        #expect(!p50.isEmpty && p50.allSatisfy { $0.baseline == 800 && $0.candidate == 820 })
        #expect(r.notifications.count == 1 && r.notifications.first?.contains("promoted") == true, "\(r.notifications)")
    }

    @Test func aSlowTailIsRolledBackOffTheAliasOnItsP95() async throws {
        // Same median, same errors; one request in ten is 50 % slower than the baseline's tail.
        let r = try await run(candidate: Behaviour(errorRate: 0.01, durationMs: 800, tailMs: 3000), hoursBack: 6)
        #expect(r.outcome == .rolledBack, "\(r.reason)")
        #expect(r.reason.contains("latency_p95"), "\(r.reason)")
        #expect(r.alias.version == "3" && r.alias.weights.isEmpty, "rollback clears the weights: \(r.alias)")
        #expect(r.weights.first == 5 && !r.weights.contains(50), "\(r.weights)")
        #expect(r.notifications.count == 1 && r.notifications.first?.contains("rolled back") == true, "\(r.notifications)")
    }

    @Test func anAlarmInAlarmRollsBackAtOnce() async throws {
        let checked = try await MotoServer.running()
        // 15 minutes in (the second step), the 5xx alarm fires.
        let r = try await run(
            candidate: Behaviour(errorRate: 0.005, durationMs: 820, tailMs: 2100), hoursBack: 9,
            before: { now in
                guard now >= 900 else { return }
                try? await checked.client(.cloudWatch).cloudWatch(
                    "SetAlarmState",
                    ["AlarmName": "support-bot-5xx", "StateValue": "ALARM", "StateReason": "Threshold Crossed: 1 datapoint [9.0] > 5.0"])
            })
        try await cloudWatch(checked, "SetAlarmState", ["AlarmName": "support-bot-5xx", "StateValue": "OK", "StateReason": "test over"])
        #expect(r.outcome == .rolledBack, "\(r.reason)")
        #expect(r.reason.contains("support-bot-5xx") && r.reason.contains("Threshold Crossed"), "\(r.reason)")
        #expect(r.alias.version == "3" && r.alias.weights.isEmpty, "\(r.alias)")
        #expect(r.weights.contains(25) && !r.weights.contains(50), "rolled back in the second step: \(r.weights)")
    }
}
