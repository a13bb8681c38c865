import Foundation
import Testing

@testable import RampartCore
@testable import RampartTUI

/// A canary judged on Prometheus behind nginx: the panel says so, and its table shows the
/// numbers the judge read, not the meter's, so each row's limit compares like with like.
struct ExternalSourceScreenTests {
    @Test func theCanaryPanelShowsWhatThePrometheusJudgeSaw() async throws {
        let events = try await DemoRun.events()
        var s = DemoRun.state(events, upTo: DemoRun.stepStart(events, 0) + 20)
        let t = s.now + 1
        let plane = DataPlaneStarted(
            proxy: nil, baseline: "sim b", candidate: "sim c", source: "load", rate: 20,
            meter: "baseline 127.0.0.1:8481, candidate 127.0.0.1:8482", target: "http://127.0.0.1:8480", router: "nginx")
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: t, .dataPlane(plane))))
        let analysis = CanaryAnalysis(
            step: 0,
            results: [MetricResult(metric: .latencyP95, baseline: 777, candidate: 888, limit: 1165.5, status: .ok, consecutiveFailures: 0)],
            decision: .continue, reason: "all 1 metrics within limits", judge: "threshold", ready: true, source: "prometheus http://127.0.0.1:9090")
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: t, .analysis(analysis))))
        let screen = DashboardView.render(s, width: 140, height: 40, theme: .builtinDefault)
        let text = (0..<40).map { screen.line($0) }.joined(separator: "\n")
        #expect(text.contains("judge threshold on prometheus"))
        #expect(text.contains("via nginx + meter"))
        let row = try #require((0..<40).map { screen.line($0) }.first { $0.contains("latency p95") && $0.contains("1166ms") })
        #expect(row.contains("777ms") && row.contains("888ms"), "\(row)")
        #expect(text.contains("[prometheus http://127.0.0.1:9090]"), "the log line names the source")
        // A metric the judge did not read from Prometheus is no data, not the meter's number.
        let errors = try #require((0..<40).map { screen.line($0) }.first { $0.contains("error rate") })
        #expect(errors.contains("no data"), "\(errors)")
    }
}
