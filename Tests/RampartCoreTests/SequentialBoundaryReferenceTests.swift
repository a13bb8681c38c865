import Foundation
import Testing

@testable import RampartCore

/// The sequential judge's two boundaries (rollback tolerance, promotion margin) against a Python
/// reference written from the formulas (see Fixtures/reference/generate_sequential.py): the same
/// requests, step by step, give the same estimate, bounds, boundaries, evidence and zone.
@Suite struct SequentialBoundaryReferenceTests {
    let reference = try! loadJSON(Paths.fixture("reference/sequential-boundaries.json"))

    /// A judge of `metrics` at the reference's alphas, fed each step's requests at weight 10 %:
    /// `requests` turns one arm's stored values into its observations.
    func judge(
        _ metrics: [MetricCheck], tolerance: Double? = nil, steps: Any?, requests: (Variant, Any?) -> [Observation]
    ) -> SequentialJudge {
        var spec = CanarySpec(
            traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 10, bake: 60)], metrics: metrics, minSamples: 10)
        spec.judge.alphaRollback = reference["alpha_rollback"] as! Double
        spec.judge.alphaPromote = reference["alpha_promote"] as! Double
        if let tolerance { spec.judge.rollbackTolerance = tolerance }
        var j = SequentialJudge(spec: spec)
        for (i, step) in (steps as! [[String: Any]]).enumerated() {
            j.startStep(i, weight: 10, at: Double(i) * 60)
            for (variant, key) in [(Variant.baseline, "baseline"), (.candidate, "candidate")] {
                for o in requests(variant, step[key]) { j.observe(o, weight: 10, at: Double(i) * 60 + 1) }
            }
        }
        return j
    }

    /// One metric's case: latencies, or 0/1 failures for the error rate.
    func judge(_ c: [String: Any]) -> SequentialJudge {
        let check =
            c["metric"] as! String == "latency_p50"
            ? MetricCheck(metric: .latencyP50, maxRatio: c["max_ratio"] as? Double)
            : MetricCheck(metric: .errorRate, maxIncrease: c["max_increase"] as? Double)
        return judge([check], tolerance: c["rollback_tolerance"] as? Double, steps: c["steps"]) { variant, values in
            (values as! [Double]).map { x in
                check.metric == .errorRate
                    ? Observation(variant: variant, latencyMs: 10, failed: x == 1) : Observation(variant: variant, latencyMs: x)
            }
        }
    }

    @Test func boundsBoundariesAndZonesMatchTheReference() throws {
        var zones: Set<String> = []
        for c in reference["cases"] as! [[String: Any]] {
            let name = c["name"] as! String
            var j = judge(c)
            let a = j.analyze(step: 2, at: 180, baseline: ArmMetrics(), candidate: ArmMetrics())
            let r = try #require(a.results.first)
            let e = try #require(r.evidence, "\(name)")
            for (key, value) in [
                ("estimate", e.estimate), ("lower", e.lower), ("upper", e.upper), ("margin", e.margin), ("evidence", e.evidence),
            ] {
                #expect(abs(value - (c[key] as! Double)) < 1e-9, "\(name) \(key): \(value) vs \(c[key]!)")
            }
            let tolerance = c["tolerance"] as! Double
            #expect(abs((e.tolerance ?? e.margin) - tolerance) < 1e-12, "\(name) tolerance")
            #expect((e.tolerance == nil) == (c["rollback_tolerance"] as! Double == 1), "\(name): a tolerance only when inside the margin")
            #expect(e.leaning == c["leaning"] as! String, "\(name) leaning")
            let status = c["status"] as! String
            let expected: MetricResult.Status = status == "breach" ? .breach : (status == "non_inferior" ? .nonInferior : .undecided)
            #expect(r.status == expected, "\(name): \(r.status) vs \(status)")
            #expect((a.decision == .rollback) == (status == "breach"), "\(name) decision")
            zones.insert(status)
        }
        // The fixture covers all three zones, and a candidate just past its margin that one
        // boundary leaves undecided is rolled back with the tolerance.
        #expect(zones == ["breach", "undecided", "non_inferior"])
    }

    @Test func aMetricsOwnToleranceMovesOnlyItsRollbackBoundary() throws {
        var check = MetricCheck(metric: .tokensPerRequest, maxRatio: 1.5)
        check.rollbackTolerance = 0.8
        let spec = CanarySpec(
            traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 10, bake: 60)],
            metrics: [check, MetricCheck(metric: .latencyP50, maxRatio: 1.5)], minSamples: 10)
        var j = SequentialJudge(spec: spec)
        j.startStep(0, weight: 10, at: 0)
        var rng = SeededRandom(seed: 5, stream: "tokens")
        for i in 0..<400 {
            let v: Variant = i % 4 == 0 ? .candidate : .baseline
            let tokens = Int((v == .candidate ? 130.0 : 100.0) * (0.9 + 0.2 * rng.unit()))
            j.observe(Observation(variant: v, latencyMs: 500 + 100 * rng.unit(), promptTokens: tokens), weight: 10, at: Double(i) / 10)
        }
        let a = j.analyze(step: 0, at: 40, baseline: ArmMetrics(), candidate: ArmMetrics())
        let tokens = try #require(a.results.first { $0.metric == .tokensPerRequest }?.evidence)
        let latency = try #require(a.results.first { $0.metric == .latencyP50 }?.evidence)
        #expect(abs(try #require(tokens.tolerance) - Foundation.log(1.4)) < 1e-12)
        #expect(abs(try #require(latency.tolerance) - Foundation.log(1 + 0.5 / 3)) < 1e-12)
        // ×1.3 tokens: past the judge's default boundary (×1.167), inside this metric's (×1.4).
        #expect(a.decision != .rollback, "\(a.reason)")
    }

    /// Two metrics on the same requests roll back on the mean of their e-values: a candidate a
    /// little worse on both is caught though neither metric is enough alone, and the reason
    /// names both and what they came to together.
    @Test func twoMetricsRollBackOnTheMeanOfTheirEvidence() throws {
        for c in reference["joint"] as! [[String: Any]] {
            let name = c["name"] as! String
            // Each arm as its latencies and its failures, side by side.
            var j = judge(
                [MetricCheck(metric: .latencyP50, maxRatio: 1.2), MetricCheck(metric: .errorRate, maxIncrease: 0.03)], steps: c["steps"]
            ) { variant, values in
                let arm = values as! [[Double]]
                return zip(arm[0], arm[1]).map { Observation(variant: variant, latencyMs: $0, failed: $1 == 1) }
            }
            let a = j.analyze(step: 1, at: 120, baseline: ArmMetrics(), candidate: ArmMetrics())
            let expected = c["rollback_log_e"] as! [String: Double]
            for r in a.results {
                let e = try #require(r.evidence)
                let want = try #require(expected[r.metric.rawValue])
                // The view shows each side's evidence clamped at 0; the test combines the raw value.
                #expect(abs((e.rollbackEvidence ?? -1) - max(0, want)) < 1e-9, "\(name) \(r.metric): \(e.rollbackEvidence ?? -1) vs \(want)")
            }
            let logE = a.results.map { expected[$0.metric.rawValue]! }
            #expect(abs(SequentialJudge.logMeanExp(logE) - (c["log_mean_e"] as! Double)) < 1e-9, "\(name)")
            // The analysis carries the combined test for a view, clamped at no evidence.
            #expect(abs((a.rollbackEvidence ?? -1) - max(0, c["log_mean_e"] as! Double)) < 1e-9, "\(name)")
            #expect(a.rollbackBoundary == Foundation.log(1 / (reference["alpha_rollback"] as! Double)))
            #expect((a.decision == .rollback) == (c["rollback"] as! Bool), "\(name): \(a.reason)")
            let blamed = a.results.filter { $0.status == .breach }.map(\.metric.rawValue)
            #expect(Set(blamed) == Set(c["blamed"] as! [String]), "\(name): \(blamed)")
            if (c["blamed"] as! [String]).count > 1 {
                #expect(a.reason.contains("latency_p50") && a.reason.contains("error_rate") && a.reason.contains("together"), "\(a.reason)")
            }
        }
    }

    @Test func theOneSidedHalfWidthIsWhereTheEvidenceReachesTheBoundary() {
        // Newton's answer against the definition, across scales: ln Λ⁺ at the half-width is ln(1/α).
        for v in [1e-8, 1e-5, 1e-3, 0.04, 1.0] {
            for tau in [0.01, 0.18, 1.0] {
                for alpha in [0.001, 0.05 / 6, 0.05, 0.5] {
                    let h = ConfidenceSequence.oneSidedHalfWidth(variance: v, tau: tau, alpha: alpha)
                    let at = ConfidenceSequence.oneSidedLogEvidence(excess: h, variance: v, tau: tau)
                    #expect(abs(at - Foundation.log(1 / alpha)) < 1e-9, "v \(v) τ \(tau) α \(alpha): \(at)")
                    // Tighter than the two-sided sequence at the same α, looser than at 2α.
                    #expect(h < ConfidenceSequence.halfWidth(variance: v, tau: tau, alpha: alpha))
                    #expect(h >= ConfidenceSequence.halfWidth(variance: v, tau: tau, alpha: min(1, 2 * alpha)) - 1e-12)
                }
            }
        }
    }

    @Test func theCountMartingaleAtTheToleranceMatchesTheReference() {
        for c in reference["counts"] as! [[String: Any]] {
            var m = CountMartingale(theta0: c["theta0"] as! Double)
            for event in c["events"] as! [[Any]] {
                m.observe(fromCandidate: event[0] as! Bool, share: event[1] as! Double)
            }
            #expect(abs(m.logValue - (c["log_value"] as! Double)) < 1e-9, "\(c["name"]!): \(m.logValue)")
            #expect(m.rejects(alpha: reference["alpha_rollback"] as! Double) == (c["rejects"] as! Bool))
        }
    }

    static func spec(judge: String, metric: String = "{ metric: latency_p50, max_ratio: 1.2 }") -> String {
        """
        name: x
        baseline: { provider: sim, model: m, version: "1" }
        candidate: { provider: sim, model: m, version: "2" }
        canary:
          traffic: { rate: 1, dataset: \(Paths.fixture("specs/data/golden.jsonl")) }
          steps: [ { weight: 10, bake: 1m } ]
          metrics: [ \(metric) ]
          judge: \(judge)
        """
    }

    @Test func theToleranceIsReadCheckedAndKeptToTheSequentialJudge() throws {
        func load(_ judge: String, metric: String = "{ metric: latency_p50, max_ratio: 1.2 }") throws(InvalidInput) -> PipelineSpec {
            try SpecLoader.parse(Self.spec(judge: judge, metric: metric), file: "t.yaml", directory: ".")
        }
        #expect(try load("{ kind: sequential, rollback_tolerance: 0.5 }").canary?.judge.rollbackTolerance == 0.5)
        #expect(try load("sequential").canary?.judge.rollbackTolerance == 1.0 / 3)
        // Per metric: a change expected to cost more on one metric rolls back later on it alone.
        let perMetric = try load("sequential", metric: "{ metric: tokens_per_request, max_ratio: 1.5, rollback_tolerance: 0.8 }")
        #expect(perMetric.canary?.metrics.first?.rollbackTolerance == 0.8)
        for (judge, metric, says) in [
            ("sequential", "{ metric: latency_p50, max: 900, rollback_tolerance: 0.5 }", "applies to a margin"),
            ("threshold", "{ metric: latency_p50, max_ratio: 1.2, rollback_tolerance: 0.5 }", "applies to the sequential judge only"),
        ] {
            do {
                _ = try load(judge, metric: metric)
                Issue.record("\(metric) was accepted with \(judge)")
            } catch {
                #expect(error.diagnostics.count == 1 && error.diagnostics[0].path.hasSuffix("[0].rollback_tolerance"), "\(error)")
                #expect(error.diagnostics.first?.message.contains(says) == true, "\(error)")
            }
        }
        for (judge, says) in [
            ("{ kind: sequential, rollback_tolerance: 0 }", "must be 0.01...1"),
            ("{ kind: sequential, rollback_tolerance: 1.5 }", "must be 0.01...1"),
            ("{ kind: threshold, rollback_tolerance: 0.5 }", "applies to the sequential judge only"),
        ] {
            do {
                _ = try load(judge)
                Issue.record("\(judge) was accepted")
            } catch {
                let d = try #require(error.diagnostics.first)
                #expect(d.path.hasSuffix("rollback_tolerance"), "\(d.path)")
                #expect(d.message.contains(says), "\(d.message)")
                #expect(d.line == 8 && d.file == "t.yaml", "\(d.line)")
            }
        }
    }
}
