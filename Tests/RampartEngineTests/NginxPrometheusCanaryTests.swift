import Foundation
import RampartNet
import RampartTestSupport
import Testing

@testable import RampartCore
@testable import RampartEngine

/// The end-to-end case: examples/prometheus-nginx.yaml, run in real time against a real
/// nginx that splits the traffic (rewritten, checked and reloaded by the nginx router) and a real
/// Prometheus that scrapes Rampart's meters, with the judge deciding on PromQL read from it.
@Suite(.serialized) struct NginxPrometheusCanaryTests {
    struct Run {
        var outcome: RunOutcome
        var events: [RunEvent]
        var upstreamFile: String

        var analyses: [CanaryAnalysis] { events.compactMap { if case .analysis(let a) = $0.body { a } else { nil } } }
        var routerReports: [RouterReport] { events.compactMap { if case .router(let r) = $0.body { r } else { nil } } }
        /// Requests the meters saw, by the weight nginx had at the time. `settled` leaves out the
        /// seconds around a reload, when nginx's new workers already route at the next weight
        /// while the engine still labels batches with the old one.
        func observed(at weight: Double, settled: Bool = false) -> (baseline: Int, candidate: Int) {
            var b = 0, c = 0
            let starts = events.compactMap { e -> Double? in if case .weight = e.body { e.t } else { nil } }
            for e in events {
                guard case .observations(let batch) = e.body, batch.weight == weight else { continue }
                if settled, starts.contains(where: { abs(e.t - $0) < 2 }) { continue }
                for o in batch.observations { if o.variant == .candidate { c += 1 } else { b += 1 } }
            }
            return (b, c)
        }
    }

    /// Loads the example, points it at the daemons on free ports, and runs it. A meter port
    /// found free can be taken by a parallel test before the data plane binds it: then the
    /// whole setup starts again on new ports.
    func run(judge: JudgePolicy.Kind, candidateErrors: Double? = nil) async throws -> Run {
        for attempt in 1...4 {
            do {
                return try await attemptRun(judge: judge, candidateErrors: candidateErrors)
            } catch let e as RouterError where e.message.contains("address already in use") && attempt < 4 {
                continue
            }
        }
        throw CancellationError()
    }

    func attemptRun(judge: JudgePolicy.Kind, candidateErrors: Double?) async throws -> Run {
        let meterPorts = (try await Daemons.freePort(), try await Daemons.freePort())
        let baselineMeter = "127.0.0.1:\(meterPorts.0)", candidateMeter = "127.0.0.1:\(meterPorts.1)"
        let nginx = try await NginxDaemon.start(
            upstream: NginxRouter.render(upstream: "support_bot", baseline: baselineMeter, candidate: candidateMeter, percent: 0, at: "start"),
            proxyTo: "support_bot")
        defer { nginx.stop() }
        let prometheus = try await PrometheusDaemon.start(scraping: [baselineMeter, candidateMeter])
        defer { prometheus.stop() }

        var inputs = try RunAssembly.load(file: Paths.example("prometheus-nginx.yaml"))
        inputs.spec.notify = []
        if let e = candidateErrors { inputs.spec.candidate.sim.errorRate = e }
        var canary = try #require(inputs.spec.canary)
        canary.router = .nginx(
            NginxRouterSpec(
                path: nginx.dir + "/upstream.conf", upstream: "support_bot", baseline: baselineMeter, candidate: candidateMeter,
                test: nginx.control + " -t", reload: nginx.control + " -s reload", timeout: 60))
        canary.proxy.meter = ProxySpec.Meter(
            baseline: .init(host: "127.0.0.1", port: meterPorts.0), candidate: .init(host: "127.0.0.1", port: meterPorts.1))
        canary.traffic.target = "http://127.0.0.1:\(nginx.port)"
        canary.traffic.rate = 40
        var source = PrometheusSourceSpec(url: prometheus.url)
        source.resolution = 1
        canary.metricsSource = .prometheus(source)
        canary.judge.kind = judge
        canary.judge.bucket = 1
        canary.analysisInterval = 2
        canary.minSamples = 15
        // Kayenta's Mann-Whitney at 98 % cannot fail a metric on fewer than five points per arm
        // (its smallest two-sided p with four is 2/70), so it passes on too little data; a longer
        // first step gives it enough 1 s points even when a loaded machine scrapes late.
        let firstBake: Double = judge == .kayenta ? 16 : 8
        canary.steps = [
            CanaryStep(weight: 20, bake: firstBake, minRequests: 30, timeout: 60), CanaryStep(weight: 50, bake: 6, minRequests: 60, timeout: 40),
        ]
        let kind: MetricQuery.Kind = judge == .kayenta ? .range : .instant
        canary.metrics =
            judge == .sequential
            ? [MetricCheck(metric: .errorRate, maxIncrease: 0.05)]
            : [
                MetricCheck(metric: .errorRate, maxIncrease: 0.05), MetricCheck(metric: .latencyP95, maxRatio: 2),
                MetricCheck(metric: .tokensPerRequest, maxRatio: 1.6),
            ]
            .map { c in
                var c = c
                guard judge != .sequential else { return c }
                c.query = MetricQuery(expr: PromQLDefaults.query(for: c.metric, kind: kind)!, kind: kind)
                return c
            }
        inputs.spec.canary = canary

        let plane = try await DataPlane.start(inputs: inputs, seed: 42, environment: [:])
        let engine = Engine(inputs: inputs, clock: WallClock(speed: 1), options: RunOptions(seed: 42, operator: "tester"), dataPlane: plane)
        let outcome = await engine.run()
        await plane.stop()
        let file = try String(contentsOfFile: nginx.dir + "/upstream.conf", encoding: .utf8)
        return Run(outcome: outcome, events: engine.bus.events, upstreamFile: file)
    }

    @Test func aHealthyCandidateIsPromotedOnMetricsReadFromPrometheus() async throws {
        let r = try await run(judge: .threshold)
        #expect(r.outcome == .promoted, "\(r.events.compactMap { if case .finished(let f) = $0.body { f.reason } else { nil } })")
        // Every analysis came from Prometheus, with values for both arms once data arrived.
        #expect(!r.analyses.isEmpty && r.analyses.allSatisfy { $0.source?.hasPrefix("prometheus http://127.0.0.1:") == true })
        let judged = try #require(r.analyses.last { $0.ready == true })
        for result in judged.results {
            #expect(result.baseline != nil && result.candidate != nil, "\(result.metric) read from Prometheus")
        }
        // nginx, rewritten and reloaded by the router, split traffic as asked: smooth weighted
        // round robin over one worker gives one in five at 20%. nginx retries a request whose
        // upstream is slow to accept on the other server, which on a starved machine moved the
        // share to 27% once: the bound tells 20% from 0% and 50%, not retries from none.
        let at20 = r.observed(at: 20, settled: true)
        let share = Double(at20.candidate) / Double(at20.baseline + at20.candidate)
        #expect(at20.candidate >= 10 && abs(share - 0.2) < 0.1, "candidate \(at20.candidate) of \(at20.baseline + at20.candidate) at 20%")
        #expect(r.routerReports.map(\.weight) == [20, 50, 100] && r.routerReports.allSatisfy(\.ok))
        #expect(
            r.upstreamFile.contains("candidate at 100%") && r.upstreamFile.contains("\n    server 127.0.0.1:") && r.upstreamFile.contains(" down;"))
    }

    @Test func aFailingCandidateIsRolledBackByKayentaOnPrometheusSeries() async throws {
        let r = try await run(judge: .kayenta, candidateErrors: 0.4)
        #expect(r.outcome == .rolledBack)
        let rollback = try #require(r.analyses.first { $0.decision == .rollback })
        #expect(rollback.judge == "kayenta" && rollback.source?.hasPrefix("prometheus") == true)
        #expect(rollback.reason.contains("error_rate High"), "\(rollback.reason)")
        #expect(r.routerReports.last?.weight == 0 && r.routerReports.last?.ok == true)
        #expect(r.upstreamFile.contains("candidate at 0%"), "nginx sends everything back to the baseline")
    }

    @Test func theSequentialJudgeRollsBackOnErrorCountsFromPrometheus() async throws {
        let r = try await run(judge: .sequential, candidateErrors: 0.4)
        #expect(r.outcome == .rolledBack)
        let rollback = try #require(r.analyses.first { $0.decision == .rollback })
        #expect(rollback.judge == "sequential" && rollback.source?.hasPrefix("prometheus") == true)
        #expect(rollback.reason.hasPrefix("evidence of harm: error_rate worse by"), "\(rollback.reason)")
        let e = try #require(rollback.results.first?.evidence)
        // The counts the judge used are the requests the meters served, read back from
        // Prometheus, and counted once (the meter's own observations are not added, which
        // would double them). Not exactly equal: Prometheus lags by a scrape and the read by up
        // to an interval (fewer), and requests finishing after the engine's last tick reach
        // Prometheus but no recorded batch (a few more).
        let served = r.observed(at: 20)
        #expect(
            e.nCandidate > 0 && e.nCandidate <= served.candidate + max(10, served.candidate / 4),
            "\(e.nCandidate) counted, \(served.candidate) served")
        #expect(e.nBaseline <= served.baseline + max(20, served.baseline / 4), "\(e.nBaseline) counted, \(served.baseline) served")
        #expect(r.upstreamFile.contains("candidate at 0%"))
    }
}
