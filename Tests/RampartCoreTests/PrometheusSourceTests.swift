import Foundation
import Testing

@testable import RampartCore

/// The pure half of the Prometheus metric source: templating, the HTTP API's answers, what the
/// spec loader fills in, and how the threshold and Kayenta judges decide from readings.
struct PromQLTemplateTests {
    let context = PromQLTemplate.Context(variant: .candidate, version: "2025-09-14", interval: 10, elapsed: 36.2)

    @Test func placeholdersAreFilledForTheArmAndTheStep() {
        let q = #"sum(increase(x{variant="{{variant}}",v="{{ version }}"}[{{elapsed}}])) / sum(rate(y[{{interval}}]))"#
        #expect(PromQLTemplate.render(q, context) == #"sum(increase(x{variant="candidate",v="2025-09-14"}[36200ms])) / sum(rate(y[10s]))"#)
    }

    @Test func unknownPlaceholdersAreNamedAndLeftAlone() {
        let q = "a{{variant}} b{{varaint}} c{{ step }} {{unclosed"
        #expect(PromQLTemplate.unknownPlaceholders(in: q) == ["varaint", "step"])
        #expect(PromQLTemplate.render("[{{resolution}}]", context) == "[5s]")
        #expect(PromQLTemplate.render(q, context) == "acandidate b{{varaint}} c{{ step }} {{unclosed")
    }

    @Test func durationsAreWholeSecondsAndNeverZero() {
        #expect(PromQLTemplate.duration(0) == "1s")
        #expect(PromQLTemplate.duration(0.2) == "1s")
        #expect(PromQLTemplate.duration(60) == "60s")
        #expect(PromQLTemplate.duration(60.01) == "60010ms")
        #expect(PromQLTemplate.duration(1.5) == "1500ms")
    }

    @Test func everyDefaultQueryUsesOnlyKnownPlaceholdersAndTheProxysSeries() {
        for metric in CanaryMetric.allCases {
            guard let q = PromQLDefaults.query(for: metric) else {
                #expect(metric == .criticalEvents)
                continue
            }
            #expect(PromQLTemplate.unknownPlaceholders(in: q).isEmpty)
            #expect(q.contains("rampart_proxy_"))
            #expect(q.contains(#"variant="{{variant}}""#))
            #expect(q.contains("offset {{elapsed}}"), "\(metric) covers the step")
        }
        #expect(PromQLDefaults.query(for: .latencyP95)!.hasPrefix("1000 * histogram_quantile(0.95,"), "latency in ms as ArmMetrics has it")
    }
}

struct PrometheusResponseTests {
    func values(_ json: String) throws(PrometheusResponse.Failure) -> [Double] {
        try PrometheusResponse.values(Data(json.utf8))
    }

    @Test func aVectorWithOneSeriesIsOneValue() throws {
        let v = try values(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1732700000.123,"0.0125"]}]}}"#)
        #expect(v == [0.0125])
    }

    @Test func aMatrixIsItsValuesInOrder() throws {
        let v = try values(
            #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"variant":"baseline"},"values":[[1,"1"],[2,"2.5"],[3,"NaN"],[4,"4"]]}]}}"#
        )
        #expect(v == [1, 2.5, 4], "NaN (0/0 over no requests) is no data, not a value")
    }

    @Test func scalarsAndNoData() throws {
        #expect(try values(#"{"status":"success","data":{"resultType":"scalar","result":[1,"42"]}}"#) == [42])
        #expect(try values(#"{"status":"success","data":{"resultType":"vector","result":[]}}"#) == [])
        #expect(try values(#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]}]}}"#) == [])
    }

    @Test func errorsSayWhatPrometheusSaid() {
        #expect(throws: PrometheusResponse.Failure("bad_data: 1:5: parse error: unexpected <by>")) {
            try values(#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected <by>"}"#)
        }
        #expect(throws: PrometheusResponse.Failure("not a Prometheus API answer: <html>502 Bad Gateway</html>")) {
            try values("<html>502 Bad Gateway</html>")
        }
        #expect(throws: PrometheusResponse.Failure("result type 'string' cannot be judged (expected vector, matrix or scalar)")) {
            try values(#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#)
        }
    }

    @Test func severalSeriesMeanTheQueryForgotToAggregate() {
        let json =
            #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"pod":"a"},"value":[1,"1"]},{"metric":{"pod":"b"},"value":[1,"2"]}]}}"#
        #expect { try values(json) } throws: { e in
            let m = (e as! PrometheusResponse.Failure).message
            return m.contains("2 series") && m.contains(#"{pod="a"}"#) && m.contains("sum(...)")
        }
    }
}

struct PrometheusJudgingTests {
    func spec(_ kind: JudgePolicy.Kind, _ checks: [MetricCheck]) -> CanarySpec {
        var s = CanarySpec(
            traffic: TrafficSpec(source: .external, rate: 0, dataset: "d"), steps: [CanaryStep(weight: 10, bake: 30)], metrics: checks,
            failureLimit: 2, minSamples: 20)
        s.judge.kind = kind
        return s
    }

    func readings(_ b: [Double], _ c: [Double], requests: Int? = 100, error: String? = nil, metric: CanaryMetric = .errorRate) -> MetricReadings {
        MetricReadings(
            baselineRequests: requests, candidateRequests: requests,
            readings: [.init(metric: metric, baseline: b, candidate: c, error: error)], source: "prometheus http://p:9090")
    }

    @Test func thresholdRollsBackAfterTheFailureLimitAndNamesTheSource() {
        var judge = ThresholdJudge(spec: spec(.threshold, [MetricCheck(metric: .errorRate, maxIncrease: 0.02)]))
        let ok = judge.analyze(step: 0, at: 10, readings: readings([0.01], [0.02]))
        #expect(ok.decision == .continue && ok.ready == true && ok.source == "prometheus http://p:9090")
        #expect(ok.results.first?.candidate == 0.02 && ok.results.first?.limit == 0.03)
        let first = judge.analyze(step: 0, at: 20, readings: readings([0.01], [0.05]))
        #expect(first.decision == .continue && first.ready == false)
        let second = judge.analyze(step: 0, at: 30, readings: readings([0.01], [0.05]))
        #expect(second.decision == .rollback)
    }

    @Test func noDataAndFailedQueriesAreNeverAPass() {
        var judge = ThresholdJudge(spec: spec(.threshold, [MetricCheck(metric: .errorRate, maxIncrease: 0.02)]))
        let empty = judge.analyze(step: 0, at: 10, readings: readings([0.01], []))
        #expect(empty.decision == .continue && empty.ready == false && empty.results.first?.status == .noData)
        let failed = judge.analyze(step: 0, at: 10, readings: readings([], [], error: "candidate: cannot reach http://p:9090"))
        #expect(
            failed.ready == false && failed.reason.hasPrefix("query failed: candidate: cannot reach http://p:9090 (error_rate);"), "\(failed.reason)")
        var down = readings([], [], error: "cannot reach http://p:9090: connection refused")
        down.requestsError = "cannot reach http://p:9090: connection refused"
        #expect(down.errorSummary == "cannot reach http://p:9090: connection refused (every query)", "a server that is down is one line")
        let uncounted = judge.analyze(step: 0, at: 10, readings: readings([0.01], [0.01], requests: nil))
        #expect(
            uncounted.ready == false && uncounted.reason.contains("its request count query returned no data")
                && uncounted.reason.contains("counts unknown"))
        let few = judge.analyze(step: 0, at: 10, readings: readings([0.01], [0.01], requests: 5))
        #expect(few.ready == false && few.reason.contains("need 20 requests per arm"))
    }

    @Test func rangeSeriesAreReducedAsTheCheckAsks() {
        var check = MetricCheck(metric: .latencyP95, maxRatio: 1.2)
        check.query = MetricQuery(expr: "q", kind: .range, aggregate: .max)
        var judge = ThresholdJudge(spec: spec(.threshold, [check]))
        let a = judge.analyze(step: 0, at: 10, readings: readings([100, 100, 100], [100, 130, 100], metric: .latencyP95))
        #expect(a.results.first?.candidate == 130, "max of the series")
        #expect(
            MetricReadings.reduce([1, 2, 6], .mean) == 3 && MetricReadings.reduce([1, 2, 6], .last) == 6 && MetricReadings.reduce([], .min) == nil)
    }

    @Test func aCriticalEventReportedByPrometheusRollsBack() {
        var critical = MetricCheck(metric: .criticalEvents)
        critical.query = MetricQuery(expr: "leaks")
        var judge = ThresholdJudge(spec: spec(.threshold, [MetricCheck(metric: .errorRate, maxIncrease: 0.02), critical]))
        var r = readings([0.01], [0.01])
        r.readings.append(.init(metric: .criticalEvents, baseline: [0], candidate: [2]))
        let a = judge.analyze(step: 0, at: 10, readings: r)
        #expect(a.decision == .rollback && a.reason.contains("2 critical event(s)"))
    }

    @Test func kayentaClassifiesRangeSeriesFromPrometheus() {
        let check = MetricCheck(metric: .latencyP95, maxRatio: 1.0)
        var judge = KayentaJudge(spec: spec(.kayenta, [check]))
        let baseline = (0..<12).map { 500 + Double($0 % 4) * 10 }
        let same = judge.analyze(step: 0, at: 60, readings: readings(baseline, baseline.reversed(), metric: .latencyP95))
        #expect(same.decision == .continue && same.ready == true && same.score == 100)
        let slow = judge.analyze(step: 0, at: 60, readings: readings(baseline, baseline.map { $0 * 1.6 }, metric: .latencyP95))
        #expect(slow.decision == .rollback && slow.results.first?.status == .breach)
        let short = judge.analyze(step: 0, at: 60, readings: readings([500, 510], [500, 505], metric: .latencyP95))
        #expect(short.decision == .continue && short.ready == false, "fewer than three points is gathering")
    }

    @Test func theLoaderFillsBuiltInQueriesAndTheJudgesQueryType() throws {
        let s = try SpecLoader.load(file: Paths.fixture("specs/prometheus-valid.yaml"))
        let canary = try #require(s.canary)
        guard case .prometheus(let p) = canary.metricsSource else { Issue.record("not prometheus"); return }
        #expect(p.url == "http://127.0.0.1:9090" && p.tokenEnv == "PROM_TOKEN" && p.resolution == 2 && p.requestsQuery == PromQLDefaults.requests)
        #expect(canary.metrics[0].query == MetricQuery(expr: PromQLDefaults.query(for: .errorRate, kind: .range)!, kind: .range))
        #expect(canary.metrics[0].query?.expr.contains("offset {{resolution}}") == true, "a range query's points are buckets")
        #expect(canary.metrics[1].query?.kind == .range && canary.metrics[1].query?.expr.contains("{{version}}") == true)
        #expect(canary.metrics[2].query?.kind == .instant, "an explicit query_type stays")
        #expect(
            canary.proxy.meter == ProxySpec.Meter(baseline: .init(host: "127.0.0.1", port: 8481), candidate: .init(host: "127.0.0.1", port: 8482)))
        #expect(canary.traffic.target == "http://127.0.0.1:8480")
        #expect(s.secretVariables.contains("PROM_TOKEN"))
    }
}

/// The sequential judge on Prometheus counts: an error rate's statistics are its counts, so the
/// judge fed "k errors among n requests" must reach exactly the verdict and evidence it reaches
/// seeing those requests one by one.
struct SequentialOnCountsTests {
    func spec(_ check: MetricCheck) -> CanarySpec {
        var s = CanarySpec(
            traffic: TrafficSpec(source: .external, rate: 0, dataset: "d"), steps: [CanaryStep(weight: 20, bake: 30)], metrics: [check],
            minSamples: 20)
        s.judge.kind = .sequential
        return s
    }

    /// Two analyses: counts so far in the step, as Prometheus reports them (cumulative).
    let snapshots: [(b: (Int, Int), c: (Int, Int))] = [((800, 4), (200, 20)), ((2400, 12), (600, 60))]

    func byCounts(_ check: MetricCheck) -> CanaryAnalysis {
        var judge = SequentialJudge(spec: spec(check))
        judge.startStep(0, weight: 20, at: 0)
        var last: CanaryAnalysis?
        for (i, s) in snapshots.enumerated() {
            var r = MetricReadings(baselineRequests: s.b.0, candidateRequests: s.c.0, readings: [], source: "prometheus p")
            r.baselineErrors = s.b.1
            r.candidateErrors = s.c.1
            last = judge.analyze(step: 0, at: Double(10 * (i + 1)), readings: r)
        }
        return last!
    }

    func byObservations(_ check: MetricCheck) -> CanaryAnalysis {
        var judge = SequentialJudge(spec: spec(check))
        judge.startStep(0, weight: 20, at: 0)
        var previous = (b: (0, 0), c: (0, 0))
        for (i, s) in snapshots.enumerated() {
            for (variant, now, before) in [(Variant.baseline, s.b, previous.b), (.candidate, s.c, previous.c)] {
                let errors = now.1 - before.1, total = now.0 - before.0
                // Interleaved, as requests arrive: the order must not matter.
                for k in 0..<total {
                    judge.observe(
                        Observation(variant: variant, latencyMs: 100, status: k < errors ? 500 : 200, failed: k < errors), weight: 20,
                        at: Double(10 * i))
                }
            }
            previous = s
        }
        return judge.analyze(step: 0, at: 20, baseline: ArmMetrics(), candidate: ArmMetrics())
    }

    @Test(arguments: [MetricCheck(metric: .errorRate, maxIncrease: 0.02), MetricCheck(metric: .errorRate, maxRatio: 2)])
    func countsGiveTheSameVerdictAndEvidenceAsRequests(_ check: MetricCheck) throws {
        let a = byCounts(check), b = byObservations(check)
        #expect(a.decision == b.decision && a.ready == b.ready)
        #expect(a.decision == .rollback, "10% against 0.5% errors: \(a.reason)")
        let ea = try #require(a.results.first?.evidence), eb = try #require(b.results.first?.evidence)
        #expect(ea.nBaseline == 2400 && ea.nCandidate == 600 && eb.nBaseline == 2400 && eb.nCandidate == 600)
        #expect(abs(ea.estimate - eb.estimate) < 1e-12 && abs(ea.lower - eb.lower) < 1e-12 && abs(ea.evidence - eb.evidence) < 1e-9)
        #expect(a.source == "prometheus p" && a.results.first?.candidate == 0.1)
    }

    @Test func aCounterThatWentDownAddsNothing() {
        var judge = SequentialJudge(spec: spec(MetricCheck(metric: .errorRate, maxIncrease: 0.02)))
        judge.startStep(0, weight: 20, at: 0)
        func read(_ b: Int, _ c: Int) -> CanaryAnalysis {
            var r = MetricReadings(baselineRequests: b, candidateRequests: c, readings: [], source: "p")
            r.baselineErrors = 0
            r.candidateErrors = 0
            return judge.analyze(step: 0, at: 1, readings: r)
        }
        _ = read(500, 100)
        _ = read(10, 5)  // the exporter restarted
        let a = read(510, 105)
        // 500 counted, the drop to 10 adds nothing and re-bases, then 500 more.
        #expect(a.results.first?.evidence?.nBaseline == 1000 && a.results.first?.evidence?.nCandidate == 200)
    }

    @Test func runningStatsTakeCountsAsIfOneByOne() {
        var a = RunningStats(), b = RunningStats()
        for x in [0.0, 1, 1, 0, 0, 0, 1] { a.add(x) }
        b.add(0, count: 1); b.add(1, count: 2); b.add(0, count: 3); b.add(1, count: 1)
        #expect(a.n == b.n && abs(a.mean - b.mean) < 1e-15 && abs(a.variance - b.variance) < 1e-15)
    }

    @Test func theLoaderTakesTheSequentialJudgeOnErrorCountsOnly() throws {
        let base = """
            format: 1
            name: fixture
            baseline: { provider: sim, model: m, version: "1.0" }
            candidate: { provider: sim, model: m, version: "1.1" }
            canary:
              router: { kind: file, path: flags.json }
              traffic: { source: external, dataset: data/golden.jsonl }
              metrics_source: { kind: prometheus, url: "http://127.0.0.1:9090", errors_query: 'sum(x{code=~"5..",v="{{version}}"}) or vector(0)' }
              steps: [ { weight: 10, bake: 30s } ]
              metrics:
                - { metric: error_rate, max_increase: 0.01 }

            """
        let dir = Paths.fixture("specs")
        let s = try SpecLoader.parse(base, file: "s.yaml", directory: dir)
        guard case .prometheus(let p) = s.canary?.metricsSource else { Issue.record("not prometheus"); return }
        #expect(s.canary?.judge.kind == .sequential && p.errorsQuery.hasPrefix("sum(x{") && s.canary?.metrics.first?.query == nil)
        #expect(throws: InvalidInput.self) {
            try SpecLoader.parse(base + "    - { metric: latency_p95, max_ratio: 1.2 }\n", file: "s.yaml", directory: dir)
        }
        #expect {
            try SpecLoader.parse(
                base.replacingOccurrences(of: "max_increase: 0.01 }", with: "max_increase: 0.01, query: 'up' }"), file: "s.yaml", directory: dir)
        } throws: {
            "\($0)".contains("counts errors with metrics_source's errors_query")
        }
    }
}
