import Foundation
import RampartAWS
import RampartNet
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `metrics_source: { kind: cloudwatch }` against CloudWatch on moto (signature checking on):
/// each arm's counts and metrics read back as they were put, the error rate from the counts,
/// alarms in ALARM reported with their reason, a missing alarm an error; and the canary rolls
/// back at once on an alarm.
@Suite(.serialized) struct CloudWatchSourceTests {
    let directory = Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs"

    func spec(
        _ source: String, metrics: String = "- { metric: error_rate, max_increase: 0.02 }\n    - { metric: latency_p95, max_ratio: 1.2 }",
        judge: String = "threshold"
    ) throws -> PipelineSpec {
        try SpecLoader.parse(
            """
            format: 1
            name: cw
            baseline: { provider: sim, model: m, version: "1" }
            candidate: { provider: sim, model: m, version: "2" }
            canary:
              router: { kind: file, path: flags.json }
              traffic: { source: external, dataset: data/golden.jsonl }
              metrics_source: \(source)
              judge: \(judge)
              steps: [ { weight: 10, bake: 60s } ]
              metrics:
                \(metrics)

            """, file: "s.yaml", directory: directory, kinds: RunAssembly.kinds)
    }

    func put(_ moto: MotoServer, namespace: String, _ data: [(String, String, Double, Date)]) async throws {
        let items = data.map { name, version, value, when -> [String: Any] in
            [
                "MetricName": name, "Dimensions": [["Name": "Resource", "Value": "bot:\(version)"]], "Value": value,
                "Timestamp": when.timeIntervalSince1970,
            ]
        }
        let body = Array(try JSONSerialization.data(withJSONObject: ["Namespace": namespace, "MetricData": items]))
        _ = try await moto.client(.cloudWatch).send(
            "POST", path: "/",
            headers: [
                ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "GraniteServiceVersion20100801.PutMetricData"),
                ("x-amzn-query-mode", "true"),
            ], body: body)
    }

    func source(_ moto: MotoServer, _ spec: PipelineSpec) throws -> any MetricSource {
        let environment = [
            "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey, "AWS_REGION": moto.region,
            "AWS_ENDPOINT_URL_CLOUDWATCH": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true", "HOME": TestPaths.temporaryDirectory(),
        ]
        let canary = try #require(spec.canary)
        return try #require(
            RunAssembly.metricSource(canary, pipeline: spec, environment: environment, redactor: Redactor(environment: [:], named: [])))
    }

    @Test func eachArmsCountsAndMetricsComeBackAsPut() async throws {
        let moto = try await MotoServer.running()
        let namespace = "Rampart/Test\(UInt32.random(in: 0...UInt32.max))"
        let clock = VirtualClock(epoch: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 600))
        let at = { (t: Double) in clock.date(at: t) }
        try await put(
            moto, namespace: namespace,
            [
                ("Invocations", "1", 900, at(20)), ("Invocations", "1", 100, at(40)), ("Errors", "1", 10, at(20)),
                ("Invocations", "2", 200, at(30)), ("Errors", "2", 8, at(30)),
                ("Duration", "1", 800, at(20)), ("Duration", "2", 1200, at(30)),
            ])
        let s = try spec(
            """
            { kind: cloudwatch, namespace: "\(namespace)", dimensions: { Resource: "bot:{{version}}" }, period: 60,
                                requests: { metric: Invocations, stat: Sum }, errors: { metric: Errors, stat: Sum },
                                metrics: { latency_p95: { metric: Duration, stat: Average } } }
            """)
        let readings = try await source(moto, s).read(stepStart: 0, now: 60, clock: clock)
        #expect(readings.requestsError == nil, "\(readings.requestsError ?? "")")
        #expect(readings.baselineRequests == 1000 && readings.candidateRequests == 200)
        #expect(readings.baselineErrors == 10 && readings.candidateErrors == 8)
        #expect(readings.reading(.latencyP95)?.baseline == [800] && readings.reading(.latencyP95)?.candidate == [1200])
        #expect(readings.reading(.errorRate)?.baseline == [0.01] && readings.reading(.errorRate)?.candidate == [0.04])
        #expect(readings.source == "cloudwatch \(namespace) in eu-west-1")
        // A window with nothing in it is no data, never zero.
        let empty = try await source(moto, s).read(stepStart: 3000, now: 3060, clock: clock)
        #expect(empty.baselineRequests == nil && empty.reading(.latencyP95)?.candidate == [])
    }

    /// Percentiles of what was put, per arm, from moto with the percentile statistics the test
    /// server adds (moto_server_percentiles.py: nearest rank over the period's raw values).
    /// Durations go in as CloudWatch's Values and Counts, 1…100 ms once each for the baseline,
    /// 101…200 ms for the candidate: p95 is the 95th value, p50 the 50th, p99.9 the last.
    @Test func percentilesComeBackFromWhatWasPut() async throws {
        let moto = try await MotoServer.running()
        let namespace = "Rampart/Test\(UInt32.random(in: 0...UInt32.max))"
        let clock = VirtualClock(epoch: Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 600))
        // moto 5.2.1 ignores the namespace of a query with dimensions: a resource of this test's own.
        let bot = "bot-\(UInt32.random(in: 0...UInt32.max))"
        var data: [[String: Any]] = []
        for (version, offset) in [("1", 0.0), ("2", 100.0)] {
            let dims = [["Name": "Resource", "Value": "\(bot):\(version)"]]
            let at = clock.date(at: 20).timeIntervalSince1970
            data.append(["MetricName": "Invocations", "Dimensions": dims, "Timestamp": at, "Value": 100])
            data.append([
                "MetricName": "Duration", "Dimensions": dims, "Timestamp": at, "Values": (1...100).map { Double($0) + offset },
                "Counts": Array(repeating: 1, count: 100),
            ])
        }
        _ = try await moto.client(.cloudWatch).cloudWatch("PutMetricData", ["Namespace": namespace, "MetricData": data])
        let s = try spec(
            """
            { kind: cloudwatch, namespace: "\(namespace)", dimensions: { Resource: "\(bot):{{version}}" }, period: 60,
                                requests: { metric: Invocations, stat: Sum },
                                metrics: { latency_p95: { metric: Duration, stat: p95 }, latency_p50: { metric: Duration, stat: p50 },
                                           tokens_per_request: { metric: Duration, stat: p99.9 } } }
            """,
            metrics:
                "- { metric: latency_p95, max_ratio: 1.2 }\n    - { metric: latency_p50, max_ratio: 1.2 }\n    - { metric: tokens_per_request, max_ratio: 1.2 }"
        )
        let readings = try await source(moto, s).read(stepStart: 0, now: 60, clock: clock)
        #expect(readings.requestsError == nil, "\(readings.requestsError ?? "")")
        #expect(readings.baselineRequests == 100 && readings.candidateRequests == 100)
        #expect(readings.reading(.latencyP95)?.baseline == [95] && readings.reading(.latencyP95)?.candidate == [195])
        #expect(readings.reading(.latencyP50)?.baseline == [50] && readings.reading(.latencyP50)?.candidate == [150])
        // Any percentile, on any metric the spec maps (here a fractional one on tokens_per_request).
        #expect(readings.reading(.tokensPerRequest)?.baseline == [100] && readings.reading(.tokensPerRequest)?.candidate == [200])
    }

    /// The wire of a percentile query, against an in-memory endpoint that answers as
    /// CloudWatch's JSON protocol does (botocore's GetMetricDataOutput): p95 is asked for per
    /// arm over the step so far, in whole periods ending at the engine's now, and read back per arm.
    @Test func percentilesAreAskedPerArmAndReadBack() async throws {
        let seen = Mutex<[[UInt8]]>([])
        let transport = AWSTransport(
            send: { (_, _, headers, body, _) async throws(ServiceHTTP.TransportError) in
                seen.withLock { $0.append(body) }
                let request = (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:]
                #expect(headers.contains { $0.0 == "X-Amz-Target" && $0.1 == "GraniteServiceVersion20100801.GetMetricData" })
                let values: [String: [Double]] = ["b_req": [600, 400], "c_req": [90], "b_latency_p95": [910, 870], "c_latency_p95": [1400]]
                let results = (request["MetricDataQueries"] as? [[String: Any]] ?? []).map { q -> [String: Any] in
                    let id = q["Id"] as? String ?? "?"
                    let v = values[id] ?? []
                    return [
                        "Id": id, "Label": id, "StatusCode": "Complete", "Timestamps": v.indices.map { 1_800_000_000 + Double($0) * 60 }, "Values": v,
                    ]
                }
                let answer = (try? JSONSerialization.data(withJSONObject: ["MetricDataResults": results, "Messages": []])) ?? Data()
                return ServiceHTTP.Response(status: 200, headers: [("Content-Type", "application/x-amz-json-1.0")], body: Array(answer))
            }, now: { Date(timeIntervalSince1970: 1_800_000_000) })
        let s = try spec(
            """
            { kind: cloudwatch, namespace: AWS/Lambda, dimensions: { FunctionName: bot, ExecutedVersion: "{{version}}" }, period: 60,
                                requests: { metric: Invocations, stat: Sum }, metrics: { latency_p95: { metric: Duration, stat: p95 } } }
            """, metrics: "- { metric: latency_p95, max_ratio: 1.2 }")
        let settings = try #require(
            { if case .kind(let k) = s.canary?.metricsSource { k as? CloudWatchSource } else { nil } }())
        let client = AWSClient(
            service: .cloudWatch, region: "eu-west-1", endpoint: "https://monitoring.eu-west-1.amazonaws.com",
            credentials: AWSCredentialProvider(credentials: AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "secret")),
            transport: transport)
        let source = CloudWatchMetrics(settings: settings, client: client, versions: [.baseline: "1", .candidate: "2"])
        let clock = VirtualClock(epoch: Date(timeIntervalSince1970: 1_800_000_000))
        let readings = await source.read(stepStart: 60, now: 150, clock: clock)
        #expect(readings.requestsError == nil, "\(readings.requestsError ?? "")")
        #expect(readings.baselineRequests == 1000 && readings.candidateRequests == 90)
        #expect(readings.reading(.latencyP95)?.baseline == [910, 870] && readings.reading(.latencyP95)?.candidate == [1400])
        let sent = try #require(seen.withLock { $0.first })
        let request = try #require(try JSONSerialization.jsonObject(with: Data(sent)) as? [String: Any])
        let queries = request["MetricDataQueries"] as? [[String: Any]] ?? []
        let p95 = queries.filter { (($0["MetricStat"] as? [String: Any])?["Stat"] as? String) == "p95" }
        #expect(p95.count == 2, "one p95 query per arm")
        let versions = p95.compactMap { q -> String? in
            let metric = (q["MetricStat"] as? [String: Any])?["Metric"] as? [String: Any]
            return (metric?["Dimensions"] as? [[String: String]])?.first { $0["Name"] == "ExecutedVersion" }?["Value"]
        }
        #expect(Set(versions) == ["1", "2"])
        // 90 s of step in whole 60 s periods: two periods, ending at the engine's now.
        #expect(request["EndTime"] as? Double == 1_800_000_150 && request["StartTime"] as? Double == 1_800_000_030)
    }

    @Test func anAlarmInAlarmIsReportedAndAMissingOneIsAnError() async throws {
        let moto = try await MotoServer.running()
        let name = "bot-5xx-\(UInt32.random(in: 0...UInt32.max))"
        func call(_ operation: String, _ body: [String: Any]) async throws {
            _ = try await moto.client(.cloudWatch).send(
                "POST", path: "/",
                headers: [
                    ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "GraniteServiceVersion20100801.\(operation)"),
                    ("x-amzn-query-mode", "true"),
                ], body: Array(try JSONSerialization.data(withJSONObject: body)))
        }
        try await call(
            "PutMetricAlarm",
            [
                "AlarmName": name, "Namespace": "AWS/Lambda", "MetricName": "Errors", "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1,
                "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold",
            ])
        let settings = """
            { kind: cloudwatch, namespace: N, dimensions: { Resource: "bot:{{version}}" }, requests: { metric: Invocations, stat: Sum },
                                errors: { metric: Errors, stat: Sum }, alarms: [\(name)] }
            """
        let s = try spec(settings, metrics: "- { metric: error_rate, max_increase: 0.02 }")
        let quiet = try await source(moto, s).read(stepStart: 0, now: 60, clock: VirtualClock())
        #expect(quiet.alarms == [] && quiet.requestsError == nil, "\(String(describing: quiet.alarms)) \(quiet.requestsError ?? "")")
        try await call("SetAlarmState", ["AlarmName": name, "StateValue": "ALARM", "StateReason": "Threshold Crossed: 1 datapoint [12.0] > 5.0"])
        let firing = try await source(moto, s).read(stepStart: 0, now: 60, clock: VirtualClock())
        #expect(firing.alarms == ["\(name): Threshold Crossed: 1 datapoint [12.0] > 5.0"])
        let missing = try spec(
            settings.replacingOccurrences(of: "[\(name)]", with: "[no-such-alarm]"), metrics: "- { metric: error_rate, max_increase: 0.02 }")
        let unknown = try await source(moto, missing).read(stepStart: 0, now: 60, clock: VirtualClock())
        #expect(unknown.requestsError?.contains("alarm no-such-alarm does not exist") == true, "\(unknown.requestsError ?? "")")
    }

    @Test func theSpecSaysWhatCloudWatchCannotBeAskedFor() {
        func problems(_ source: String) -> [String] {
            do {
                _ = try spec(source)
                return []
            } catch { return (error as? InvalidInput)?.diagnostics.map(\.description) ?? ["\(error)"] }
        }
        let base = "kind: cloudwatch, namespace: N, requests: { metric: Invocations, stat: Sum }"
        let p = problems("{ \(base), dimensions: { FunctionName: bot } }")
        #expect(p.contains { $0.contains("must tell the versions apart") })
        #expect(p.contains { $0.contains("the canary checks latency_p95, which CloudWatch is not told how to read") })
        #expect(p.contains { $0.contains("the canary checks error_rate") && $0.contains("or errors:") })
        let stat = problems(
            "{ \(base), dimensions: { R: \"{{version}}\" }, errors: { metric: E, stat: Total }, metrics: { latency_p95: { metric: D, stat: p101 } } }"
        )
        #expect(stat.filter { $0.contains("must be Sum, SampleCount, Average") }.count == 2)
        #expect(problems("{ \(base), dimensions: { R: \"{{version}}\" }, period: 45 }").contains { $0.contains("CloudWatch periods are") })
        // The sequential judge cannot judge an aggregate: refused, never skipped.
        do {
            _ = try spec(
                "{ \(base), dimensions: { R: \"{{version}}\" }, errors: { metric: E, stat: Sum }, metrics: { latency_p95: { metric: D, stat: p95 } } }",
                judge: "sequential")
            Issue.record("the sequential judge took latency_p95 from CloudWatch")
        } catch {
            #expect("\(error)".contains("the sequential judge reads only error counts from cloudwatch; latency_p95 needs each request's value"))
        }
    }

    /// A metrics source whose readings are fine but for one alarm.
    struct AlarmingSource: MetricSource {
        var name: String { "cloudwatch test" }
        func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings {
            var r = MetricReadings(baselineRequests: 500, candidateRequests: 60, readings: [], source: name)
            r.baselineErrors = 1
            r.candidateErrors = 0
            r.alarms = ["bot-5xx: Threshold Crossed: 1 datapoint [12.0] > 5.0"]
            return r
        }
    }

    @Test func anAlarmRollsTheCanaryBackAtOnce() async throws {
        var inputs = try RunAssembly.load(file: Paths.example("demo.yaml"))
        inputs.spec.notify = []
        inputs.spec.gates = []
        let options = RunOptions(seed: 42, operator: "t")
        var parts = RunAssembly.parts(inputs: inputs, options: options)
        parts.metricSource = AlarmingSource()
        let engine = Engine(inputs: inputs, clock: VirtualClock(), options: options, parts: parts)
        #expect(await engine.run() == .rolledBack)
        let finished = engine.bus.events.compactMap { if case .finished(let f) = $0.body { f } else { nil } }.last
        #expect(finished?.reason.contains("alarm bot-5xx: Threshold Crossed") == true, "\(String(describing: finished))")
        let steps = engine.bus.events.filter { if case .canaryStep = $0.body { true } else { false } }
        #expect(steps.count == 1, "rolled back in the first step")
    }
}
