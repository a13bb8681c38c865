import Foundation
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine
@testable import RampartNet

/// The Prometheus metric source against a real Prometheus (Debian package, started by the test
/// on loopback) that scrapes Rampart's meter listeners: the judge's numbers went through a real
/// scrape, a real TSDB and real PromQL.
@Suite(.serialized) struct PrometheusTests {
    /// An OpenAI-compatible upstream: 10 prompt + 20 completion tokens per answer; every
    /// `failEvery`-th request is a 500.
    static func upstream(failEvery: Int = 0) async throws -> HTTPServer {
        let n = Atomic<Int>(0)
        return try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
            let i = n.add(1, ordering: .relaxed).newValue
            if failEvery > 0 && i % failEvery == 0 { return .error(500, "boom") }
            return .json(
                200,
                #"{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":20,"total_tokens":30}}"#
            )
        }
    }

    /// `n` requests, one after another. The timeout only bounds a failure: a loaded machine
    /// once took more than 5 s to answer one of them.
    static func send(_ n: Int, to port: Int) async throws {
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#.utf8)
        for _ in 0..<n {
            _ = try await pool.send(
                HTTPRequestMessage(method: "POST", uri: "/v1/chat/completions", headers: [("content-type", "application/json")], body: body),
                timeout: 60)
        }
    }

    func checks(_ kind: MetricQuery.Kind) -> [MetricCheck] {
        [CanaryMetric.errorRate, .latencyP95, .tokensPerRequest].map { m in
            var c = MetricCheck(metric: m, maxRatio: 2)
            c.query = MetricQuery(expr: PromQLDefaults.query(for: m, kind: kind)!, kind: kind)
            return c
        }
    }

    @Test func readingsThroughARealPrometheusMatchWhatTheMetersServed() async throws {
        let b = try await Self.upstream(), c = try await Self.upstream(failEvery: 5)
        let latencies = Mutex<[Double]>([])
        let proxy = WeightedProxy(
            baseline: ProxyUpstream(endpoint: HTTPEndpoint(host: "127.0.0.1", port: b.port!)),
            candidate: ProxyUpstream(endpoint: HTTPEndpoint(host: "127.0.0.1", port: c.port!))
        ) { exchange in
            if exchange.observation.variant == .baseline { latencies.withLock { $0.append(exchange.observation.latencyMs / 1000) } }
        }
        let bm = try await proxy.serve(host: "127.0.0.1", port: 0, pinned: .baseline)
        let cm = try await proxy.serve(host: "127.0.0.1", port: 0, pinned: .candidate)
        // Each meter exports only its own version, so scraping both counts each once.
        let baselineText = try #require(await Daemons.get(bm.port!, "/metrics")).text
        #expect(baselineText.contains(#"variant="baseline""#) && !baselineText.contains(#"variant="candidate""#))

        let prom = try await PrometheusDaemon.start(scraping: ["127.0.0.1:\(bm.port!)", "127.0.0.1:\(cm.port!)"])
        defer { prom.stop() }
        try await prom.waitForScrapes(of: "rampart_proxy_request_duration_seconds_count", atLeast: 2)
        let stepStart = Date()
        try await Self.send(100, to: bm.port!)
        try await Self.send(100, to: cm.port!)
        // Until a scrape after the last request is in the TSDB (a loaded machine scrapes late).
        let counter = PrometheusClient(baseURL: prom.url, timeout: 60, token: nil)
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let now = try await counter.instant("min(rampart_proxy_request_duration_seconds_count)")
            if now.first == 100 { break }
            try await Task.sleep(for: .milliseconds(250))
        }

        let source = PrometheusSourceSpec(url: prom.url)
        let versions: [Variant: String] = [.baseline: "1", .candidate: "2"]
        let instant = PrometheusMetrics(spec: source, checks: checks(.instant), versions: versions, interval: 2, environment: [:])
        let r = await instant.read(stepStart: stepStart, now: Date())
        #expect(r.errors.isEmpty, "\(r.errors)")
        // Counter deltas since the step began: exact, where increase() would extrapolate.
        #expect(
            r.baselineRequests == 100 && r.candidateRequests == 100,
            "\(String(describing: r.baselineRequests))/\(String(describing: r.candidateRequests))")
        let errors = try #require(r.reading(.errorRate))
        #expect(errors.baseline == [0])
        let candidateErrors = try #require(errors.candidate.first)
        #expect(abs(candidateErrors - 0.2) < 1e-9, "20 of 100 failed: a ratio of two increases is exact")
        let tokens = try #require(r.reading(.tokensPerRequest))
        let bt = try #require(tokens.baseline.first), ct = try #require(tokens.candidate.first)
        #expect(abs(bt - 30) < 1e-6 && abs(ct - 30) < 1e-6)
        // histogram_quantile interpolates inside the bucket that holds the 95th of the 100
        // latencies the meter measured: the reading must fall within that bucket's bounds.
        let p95 = try #require(r.reading(.latencyP95)?.baseline.first) / 1000
        let sorted = latencies.withLock { $0 }.sorted()
        try #require(sorted.count == 100)
        let upper = try #require(ProxyCounters.buckets.first { sorted[94] <= $0 })
        let lower = ProxyCounters.buckets.last { $0 < upper } ?? 0
        #expect(p95 >= lower - 1e-9 && p95 <= upper + 1e-9, "Prometheus p95 \(p95) s; the 95th latency \(sorted[94]) s is in (\(lower), \(upper)]")

        // The threshold judge on these readings: 20% errors against 0% breaches max_ratio 2.
        var spec = CanarySpec(
            traffic: TrafficSpec(source: .external, rate: 0, dataset: "d"), steps: [CanaryStep(weight: 10, bake: 1)], metrics: checks(.instant),
            failureLimit: 1, minSamples: 50)
        spec.judge.kind = .threshold
        var judge = ThresholdJudge(spec: spec)
        let a = judge.analyze(step: 0, at: 5, readings: r)
        #expect(a.decision == .rollback && a.reason.contains("error_rate"), "\(a.reason)")

        // Range queries return the series over the step, one point per resolution step, each
        // the bucket ending there (buckets without requests are 0/0, no data). A bucket needs
        // two scrapes in it, and a loaded machine scrapes late: read until one is complete.
        var rangeSpec = source
        rangeSpec.resolution = 1
        let range = PrometheusMetrics(spec: rangeSpec, checks: checks(.range), versions: versions, interval: 2, environment: [:])
        var series: [Double] = []
        let rangeDeadline = Date().addingTimeInterval(30)
        while series.isEmpty && Date() < rangeDeadline {
            series = await range.read(stepStart: stepStart, now: Date()).reading(.tokensPerRequest)?.candidate ?? []
            if series.isEmpty { try await Task.sleep(for: .milliseconds(250)) }
        }
        #expect(!series.isEmpty && series.allSatisfy { abs($0 - 30) < 1e-6 }, "\(series)")
        var clock = MetricCheck(metric: .quality, min: 0)
        clock.query = MetricQuery(expr: "vector(0.9)", kind: .range)
        let points =
            await PrometheusMetrics(spec: rangeSpec, checks: [clock], versions: versions, interval: 2, environment: [:])
            .read(stepStart: Date().addingTimeInterval(-10), now: Date()).reading(.quality)?.baseline ?? []
        #expect((10...11).contains(points.count) && points.allSatisfy { $0 == 0.9 }, "10 s at 1 s resolution: \(points.count) points")

        await bm.stop(); await cm.stop(); await b.stop(); await c.stop()
    }

    @Test func noDataBadPromQLAndAnUnreachableServerAreToldApart() async throws {
        let prom = try await PrometheusDaemon.start(scraping: [])
        defer { prom.stop() }
        let client = PrometheusClient(baseURL: prom.url + "/", timeout: 60, token: nil)
        #expect(try await client.instant(#"sum(no_such_metric{variant="candidate"})"#) == [], "no data is an empty answer, not an error")
        #expect(try await client.instant("vector(3) * 2") == [6])
        await #expect { try await client.instant("sum(rate(x[5m])") } throws: { e in
            let m = (e as! PrometheusResponse.Failure).message
            return m.hasPrefix("HTTP 400: bad_data:") && m.contains("parse error")
        }

        let (closedFD, port) = try #require(LoopbackSocket.refusingPort())
        defer { close(closedFD) }
        let down = PrometheusClient(baseURL: "http://127.0.0.1:\(port)", timeout: 30, token: nil)
        await #expect { try await down.instant("up") } throws: {
            ($0 as! PrometheusResponse.Failure).message.hasPrefix("cannot reach http://127.0.0.1:\(port)")
        }

        // Through the source: a failed query is an error on its metric, the others still read.
        var good = MetricCheck(metric: .errorRate, maxIncrease: 0.1)
        good.query = MetricQuery(expr: "vector(0.01)")
        var bad = MetricCheck(metric: .latencyP95, maxRatio: 2)
        bad.query = MetricQuery(expr: "sum(")
        var spec = PrometheusSourceSpec(url: prom.url)
        spec.requestsQuery = "vector(500)"
        let metrics = PrometheusMetrics(spec: spec, checks: [good, bad], versions: [:], interval: 2, environment: [:])
        let r = await metrics.read(stepStart: Date().addingTimeInterval(-10), now: Date())
        #expect(r.baselineRequests == 500 && r.reading(.errorRate)?.candidate == [0.01])
        #expect(r.reading(.latencyP95)?.error?.contains("parse error") == true)
        #expect(r.errors.count == 1)
    }

    @Test func theBearerTokenComesFromTheEnvironmentAndIsSent() async throws {
        let seen = Mutex<String?>(nil)
        let fake = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { request in
            seen.withLock { $0 = request.header("authorization") }
            return .json(200, #"{"status":"success","data":{"resultType":"vector","result":[]}}"#)
        }
        var spec = PrometheusSourceSpec(url: "http://127.0.0.1:\(fake.port!)")
        spec.tokenEnv = "PROM_TOKEN"
        let metrics = PrometheusMetrics(spec: spec, checks: [], versions: [:], interval: 2, environment: ["PROM_TOKEN": "s3cret"])
        let r = await metrics.read(stepStart: Date(), now: Date())
        #expect(r.baselineRequests == nil && r.errors.isEmpty)
        #expect(seen.withLock { $0 } == "Bearer s3cret")
        #expect(!metrics.name.contains("s3cret"))
        await fake.stop()
    }

    /// Prometheus down for the whole canary: the judge never sees data, the failure is logged
    /// once, and the step ends inconclusive with traffic back on the baseline, never promoted.
    @Test func anUnreachablePrometheusNeverPromotes() async throws {
        let dir = Paths.temporaryDirectory()
        let (closedFD, port) = try #require(LoopbackSocket.refusingPort())
        defer { close(closedFD) }
        var inputs = try RunAssembly.load(file: Paths.example("prometheus-nginx.yaml"))
        inputs.spec.notify = []
        var canary = try #require(inputs.spec.canary)
        canary.router = .file(path: dir + "/flags.json")
        canary.proxy.meter = nil
        canary.traffic.source = .external
        canary.traffic.target = nil
        canary.metricsSource = .prometheus(PrometheusSourceSpec(url: "http://127.0.0.1:\(port)"))
        canary.analysisInterval = 1
        canary.judge.onInconclusive = .rollback
        // Real time: the reads are real requests. A loaded machine once answered none of them
        // within a 4 s step, so the step has 20 s to fail every read; it ends at its timeout.
        canary.steps = [CanaryStep(weight: 10, bake: 2, timeout: 20)]
        inputs.spec.canary = canary
        let plane = try await DataPlane.start(inputs: inputs, seed: 1, environment: [:])
        let engine = Engine(inputs: inputs, clock: WallClock(speed: 1), options: RunOptions(seed: 1, operator: "t"), dataPlane: plane)
        let outcome = await engine.run()
        await plane.stop()
        #expect(outcome == .inconclusive)
        let events = engine.bus.events
        let failures = events.compactMap { if case .metricSource(let m) = $0.body { m } else { nil } }
        #expect(failures.count == 1 && failures.first?.ok == false, "logged once, not at every analysis: \(failures)")
        #expect(failures.first?.error?.contains("cannot reach http://127.0.0.1:\(port)") == true)
        let analyses = events.compactMap { if case .analysis(let a) = $0.body { a } else { nil } }
        #expect(!analyses.isEmpty && analyses.allSatisfy { $0.ready == false && $0.reason.hasPrefix("query failed:") })
        let flags = try String(contentsOfFile: dir + "/flags.json", encoding: .utf8)
        #expect(flags.contains(#""canary_weight": 0"#) || flags.contains(#""canary_weight":0"#), "\(flags)")
    }

    /// A Prometheus that accepts queries and never answers must not hold up the canary's tick
    /// loop: an operator's rollback lands within a tick or two, not after the query timeout.
    @Test func aHungPrometheusNeverDelaysAnOperatorsRollback() async throws {
        let silent = try await SilentServer.start()
        let dir = Paths.temporaryDirectory()
        var inputs = try RunAssembly.load(file: Paths.example("prometheus-nginx.yaml"))
        inputs.spec.notify = []
        var canary = try #require(inputs.spec.canary)
        canary.router = .file(path: dir + "/flags.json")
        canary.proxy.meter = nil
        canary.traffic.source = .external
        canary.traffic.target = nil
        var source = PrometheusSourceSpec(url: "http://127.0.0.1:\(silent.port)")
        source.timeout = 120
        canary.metricsSource = .prometheus(source)
        canary.analysisInterval = 1
        canary.steps = [CanaryStep(weight: 10, bake: 300)]
        inputs.spec.canary = canary
        let plane = try await DataPlane.start(inputs: inputs, seed: 1, environment: [:])
        let rollback = ScheduledCommand(at: 3, command: OperatorCommand(.rollback, operator: "ops", reason: "hung metrics"))
        let engine = Engine(
            inputs: inputs, clock: WallClock(speed: 1), options: RunOptions(seed: 1, operator: "t", schedule: [rollback]), dataPlane: plane)
        let outcome = await engine.run()
        await plane.stop()
        await silent.stop()
        #expect(outcome == .rolledBack)
        let finished = try #require(engine.bus.events.last { if case .finished = $0.body { true } else { false } })
        // Loose for a loaded machine; a loop waiting on the query would take the full 120 s.
        #expect(finished.t < 60, "rolled back at \(finished.t) s")
    }
}
