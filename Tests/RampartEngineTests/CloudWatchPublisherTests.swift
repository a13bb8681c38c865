import Foundation
import RampartAWS
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `canary.publish: { kind: cloudwatch }`: the spec, the PutMetricData requests as botocore's
/// model shapes them, the windows on the engine clock, and a whole canary published to
/// CloudWatch on moto (signature checking on) and read back with GetMetricData.
@Suite(.serialized) struct CloudWatchPublisherTests {
    let directory = Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs"

    func spec(_ publish: String) throws(InvalidInput) -> PipelineSpec {
        try SpecLoader.parse(
            """
            format: 1
            name: cw
            baseline: { provider: sim, model: m, version: "1.0" }
            candidate: { provider: sim, model: m, version: "1.1" }
            canary:
              traffic: { source: sim, rate: 20, dataset: data/golden.jsonl }
              steps: [ { weight: 10, bake: 60s } ]
              metrics: [ { metric: error_rate, max_increase: 0.02 } ]
              publish: \(publish)

            """, file: "s.yaml", directory: directory, kinds: RunAssembly.kinds)
    }

    func problems(_ publish: String) -> [String] {
        do {
            _ = try spec(publish)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func theSpecSaysWhatIsWrongWithAPublisher() throws {
        let ok = try spec(#"{ kind: cloudwatch, namespace: Rampart/Canary, dimensions: { Service: bot, Version: "{{version}}" }, interval: 30s }"#)
        let settings = try #require(ok.canary?.publish?.settings as? CloudWatchPublisher)
        #expect(settings.interval == 30 && settings.storageResolution == 60 && settings.dimensions.map(\.name) == ["Service", "Version"])
        #expect(try spec("{ kind: cloudwatch, namespace: N }").canary?.publish?.settings.summary == "CloudWatch namespace N every 1m")
        #expect(problems("{ kind: cloudwatch }").contains { $0.contains("canary.publish.namespace: required field is missing") })
        #expect(problems("{ kind: cloudwatch, namespace: AWS/Lambda }").contains { $0.contains("not start with AWS/") })
        #expect(problems("{ kind: cloudwatch, namespace: N, dimensions: { A: b } }").contains { $0.contains("must tell the versions apart") })
        #expect(problems("{ kind: cloudwatch, namespace: N, storage_resolution: 5 }").contains { $0.contains("must be 60 (standard) or 1") })
        #expect(problems("{ kind: cloudwatch, namespace: N, region: 'x/y' }").contains { $0.contains("must be an AWS region") })
        #expect(problems("{ kind: graphite, namespace: N }").contains { $0.contains("kind must be one of: cloudwatch; got 'graphite'") })
        #expect(problems("{ kind: cloudwatch, namespace: N, period: 60 }").contains { $0.contains("period") })
    }

    @Test func aWindowBecomesDatumsPerVersion() throws {
        let settings = try #require(
            try spec(#"{ kind: cloudwatch, namespace: Rampart/Canary, dimensions: { Version: "bot:{{version}}", Arm: "{{variant}}" } }"#).canary?
                .publish?.settings as? CloudWatchPublisher)
        var w = MetricWindow()
        for i in 0..<400 { w.add(Observation(variant: .candidate, latencyMs: Double(100 + i), promptTokens: 2, cost: 0.5)) }
        let at = Date(timeIntervalSince1970: 1_800_000_000.7)
        let data = PutMetricData.datums(w, settings: settings, versions: [.baseline: "1.0", .candidate: "1.1"], at: at)
        func named(_ name: String, _ arm: String) -> [[String: Any]] {
            data.filter { d in
                d["MetricName"] as? String == name && (d["Dimensions"] as? [[String: String]])?.contains(["Name": "Arm", "Value": arm]) == true
            }
        }
        // Counts for both versions, zeros included; the baseline served nothing.
        #expect(named("Requests", "baseline").first?["Value"] as? Double == 0)
        #expect(named("Requests", "candidate").first?["Value"] as? Double == 400)
        #expect(named("PromptTokens", "candidate").first?["Value"] as? Double == 800)
        #expect(named("Cost", "candidate").first?["Unit"] as? String == "None")
        let latency = named("Latency", "candidate")
        #expect(latency.count == 3, "400 distinct latencies in datums of at most 150")
        for d in latency {
            let values = d["Values"] as? [Double] ?? []
            #expect(d["Unit"] as? String == "Milliseconds" && !values.isEmpty && values.count <= 150)
        }
        let counted: Double = latency.map { d -> Double in (d["Counts"] as? [Double] ?? []).reduce(0, +) }.reduce(0, +)
        #expect(counted == 400)
        #expect(named("Latency", "baseline").isEmpty && named("Quality", "candidate").isEmpty, "no values, no distribution")
        for d in data {
            #expect(d["Timestamp"] as? Double == 1_800_000_000 && d["StorageResolution"] as? Int == 60)
        }
        let dims = try #require(latency.first?["Dimensions"] as? [[String: String]])
        #expect(dims == [["Name": "Version", "Value": "bot:1.1"], ["Name": "Arm", "Value": "candidate"]])
        // Many datums go in calls of at most 300: 900 distinct values a decade over 15 decades,
        // in three distributions for each version, are 540 datums of 150 values.
        var wide = MetricWindow()
        for variant in Variant.allCases {
            for decade in -3..<12 {
                for i in 100..<1000 {
                    let v = Double(i) * pow(10, Double(decade))
                    var o = Observation(variant: variant, latencyMs: v, quality: v)
                    o.ttftMs = v
                    wide.add(o)
                }
            }
        }
        let bodies = PutMetricData.bodies(wide, settings: settings, versions: [:], at: at)
        #expect(bodies.count == 2, "\(bodies.map { ($0["MetricData"] as? [Any])?.count ?? 0 })")
        for body in bodies {
            let count = (body["MetricData"] as? [Any])?.count ?? 0
            #expect(count > 0 && count <= 300 && body["Namespace"] as? String == "Rampart/Canary")
        }
    }

    /// A publisher that remembers what it was given, and fails when told to.
    final class Recorder: MetricPublisher {
        let sent = Mutex<[(Date, Int)]>([])
        let failing: Bool
        init(failing: Bool = false) { self.failing = failing }
        var name: String { "recorder" }
        func publish(_ window: MetricWindow, at date: Date) async throws(PublishFailure) {
            if failing { throw PublishFailure("backend said no") }
            sent.withLock { $0.append((date, window.arms.values.map(\.requests).reduce(0, +))) }
        }
    }

    @Test func windowsFollowTheEngineClockAndEndWithTheCanary() async throws {
        let clock = VirtualClock(epoch: Date(timeIntervalSince1970: 1_000))
        let events = Mutex<[MetricsPublished]>([])
        let recorder = Recorder()
        let p = IntervalPublisher(publisher: recorder, interval: 60, clock: clock, start: 0, report: { e in events.withLock { $0.append(e) } })
        let one = [Observation(variant: .baseline, latencyMs: 1)]
        for t in stride(from: 10.0, through: 150, by: 10) { p.observe(one, at: t) }  // windows end at 60 and 120; 150 is partial
        p.observe([], at: 400)  // quiet windows publish nothing
        await p.finish(at: 400)
        #expect(recorder.sent.withLock { $0.map(\.1) } == [6, 6, 3])
        #expect(recorder.sent.withLock { $0.map(\.0.timeIntervalSince1970) } == [1_060, 1_120, 1_180])
        let windows = events.withLock { $0 }.map { [$0.from, $0.to] }
        #expect(windows == [[0, 60], [60, 120], [120, 180]])
        let failing = IntervalPublisher(
            publisher: Recorder(failing: true), interval: 60, clock: clock, start: 0, report: { e in events.withLock { $0.append(e) } })
        failing.observe(one, at: 60)
        await failing.finish(at: 60)
        let report = try #require(events.withLock { $0.last }, "no report")
        #expect(!report.ok && report.error == "backend said no" && report.baselineRequests == 1)
        #expect(report.from == 0 && report.to == 60)
        // Recorded in the run file and read back as it was.
        let event = RunEvent(t: 75, .published(report))
        #expect(try JSONDecoder().decode(RunEvent.self, from: JSONEncoder().encode(event)) == event)
        let line = EventLine.format(event)
        #expect(line.contains("publish  FAILED 00:00.0–01:00.0: 1 baseline and 0 candidate requests to recorder: backend said no"), "\(line)")
    }

    @Test func aCanaryIsPublishedToCloudWatchAndReadsBack() async throws {
        let moto = try await MotoServer.running()
        let namespace = "Rampart/Publish\(UInt32.random(in: 0...UInt32.max))"
        let publish = try #require(
            try spec(#"{ kind: cloudwatch, namespace: "\#(namespace)", dimensions: { Pipeline: demo, Version: "{{version}}" } }"#).canary?.publish)
        let h = try Harness { s in
            s.build = []
            s.gates = []
            s.canary?.publish = publish
        }
        let epoch = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 - 3_600)
        let clock = VirtualClock(epoch: epoch)
        var options = RunOptions(seed: 42, operator: "tester")
        options.environment = moto.processEnvironment.merging(["AWS_ENDPOINT_URL_CLOUDWATCH": moto.endpoint]) { _, new in new }
        let engine = Engine(inputs: h.inputs, clock: clock, options: options)
        let outcome = await engine.run()
        #expect(outcome == .promoted)
        let events = engine.bus.events
        let reports = events.compactMap { if case .published(let p) = $0.body { p } else { nil } }
        #expect(!reports.isEmpty && reports.allSatisfy(\.ok), "\(reports.filter { !$0.ok })")
        // What the run observed, per version (client errors are the caller's, left out).
        var observed: [Variant: (requests: Int, latencies: Int)] = [:]
        for case .observations(let batch) in events.map(\.body) {
            for o in batch.observations where !o.isClientError {
                observed[o.variant, default: (0, 0)].requests += 1
                observed[o.variant, default: (0, 0)].latencies += 1
            }
        }
        #expect(reports.map(\.candidateRequests).reduce(0, +) == observed[.candidate]?.requests)
        let end = clock.date(at: clock.now())
        for (variant, version) in [(Variant.baseline, h.inputs.spec.baseline.version), (.candidate, h.inputs.spec.candidate.version)] {
            let requests = try await sum(moto, namespace, "Requests", version, "Sum", from: epoch, to: end)
            let latencies = try await sum(moto, namespace, "Latency", version, "SampleCount", from: epoch, to: end)
            #expect(Int(requests) == observed[variant]?.requests, "\(variant) Requests")
            #expect(Int(latencies) == observed[variant]?.latencies, "\(variant) Latency samples")
        }
    }

    /// GetMetricData of one metric and statistic over the run, summed across its periods.
    func sum(_ moto: MotoServer, _ namespace: String, _ metric: String, _ version: String, _ stat: String, from: Date, to: Date) async throws
        -> Double
    {
        let body: [String: Any] = [
            "MetricDataQueries": [
                [
                    "Id": "q", "ReturnData": true,
                    "MetricStat": [
                        "Metric": [
                            "Namespace": namespace, "MetricName": metric,
                            "Dimensions": [["Name": "Pipeline", "Value": "demo"], ["Name": "Version", "Value": version]],
                        ],
                        "Period": 60, "Stat": stat,
                    ],
                ]
            ],
            "StartTime": from.timeIntervalSince1970 - 60, "EndTime": to.timeIntervalSince1970 + 120,
        ]
        let answer = try await moto.client(.cloudWatch).send(
            "POST", path: "/",
            headers: [
                ("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "GraniteServiceVersion20100801.GetMetricData"),
                ("x-amzn-query-mode", "true"),
            ], body: Array(try JSONSerialization.data(withJSONObject: body)))
        let json = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any]
        let results = json?["MetricDataResults"] as? [[String: Any]] ?? []
        return results.flatMap { ($0["Values"] as? [NSNumber] ?? []).map(\.doubleValue) }.reduce(0, +)
    }
}
