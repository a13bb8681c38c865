import Foundation
import Testing

@testable import RampartCore

/// Mann-Whitney and the Hodges-Lehmann interval against scipy (see generate_judges.py).
@Suite struct MannWhitneyReferenceTests {
    let reference = try! loadJSON(Paths.fixture("reference/scipy-judges.json"))

    @Test func uAndPMatchScipy() {
        for c in reference["cases"] as! [[String: Any]] {
            let x = c["x"] as! [Double], y = c["y"] as! [Double]
            let t = MannWhitney.test(x, y)
            #expect(abs(t.u - (c["u"] as! Double)) < 1e-9, "\(c["name"]!)")
            #expect(abs(t.p - (c["p"] as! Double)) < 1e-9, "\(c["name"]!): p \(t.p) vs \(c["p"]!)")
        }
    }

    @Test func theShiftIntervalMatchesTheReference() throws {
        for c in reference["cases"] as! [[String: Any]] {
            let x = c["x"] as! [Double], y = c["y"] as! [Double]
            let s = try #require(MannWhitney.shift(x, y, confidence: 0.98))
            let span = (x.max()! - y.min()!) - (x.min()! - y.max()!)
            let tol = 1e-6 * span
            #expect(abs(s.estimate - (c["estimate"] as! Double)) < tol, "\(c["name"]!) estimate \(s.estimate)")
            #expect(abs(s.lower - (c["lower98"] as! Double)) < tol, "\(c["name"]!) lower \(s.lower)")
            #expect(abs(s.upper - (c["upper98"] as! Double)) < tol, "\(c["name"]!) upper \(s.upper)")
            // The root at 0 is a Hodges-Lehmann-type estimate: close to the median pairwise difference.
            #expect(abs(s.estimate - (c["pairwise_median"] as! Double)) < 0.02 * span)
        }
    }

    @Test func normalQuantilesMatchScipy() {
        for q in reference["normal_quantiles"] as! [[String: Any]] {
            #expect(abs(Normal.quantile(q["p"] as! Double) - (q["z"] as! Double)) < 1e-12)
        }
    }
}

/// NetflixACAJudge's rules on hand-made series.
@Suite struct KayentaClassificationTests {
    let control = [100.0, 102, 98, 101, 99, 103, 97, 100, 101, 99]

    @Test func aClearlyHigherCanaryIsHigh() {
        let canary = control.map { $0 * 1.3 }
        let (c, shift, effect) = KayentaJudge.classify(control: control, experiment: canary, higherIsWorse: true)
        #expect(c == .high)
        #expect(shift!.lower > 0.25 * abs(shift!.estimate))
        #expect(abs(effect - 1.3) < 1e-9)
    }

    @Test func theSameSeriesPassesAndEmptyIsNodata() {
        #expect(KayentaJudge.classify(control: control, experiment: control.reversed(), higherIsWorse: true).0 == .pass)
        #expect(KayentaJudge.classify(control: [5, 5, 5], experiment: [5, 5], higherIsWorse: true).0 == .pass)
        #expect(KayentaJudge.classify(control: [], experiment: control, higherIsWorse: true).0 == .noData)
    }

    @Test func directionAndAllowedEffectSizeGate() {
        let lower = control.map { $0 * 0.7 }
        // Lower latency is no failure for an increase-only metric; lower quality is.
        #expect(KayentaJudge.classify(control: control, experiment: lower, higherIsWorse: true).0 == .pass)
        #expect(KayentaJudge.classify(control: control, experiment: lower, higherIsWorse: false).0 == .low)
        // Significant, but within the allowed increase (mean ratio 1.1 < 1.2): Pass.
        let slightly = control.map { $0 * 1.1 }
        #expect(KayentaJudge.classify(control: control, experiment: slightly, higherIsWorse: true).0 == .high)
        #expect(KayentaJudge.classify(control: control, experiment: slightly, higherIsWorse: true, allowedIncrease: 1.2).0 == .pass)
    }

    @Test func theScoreIsTheShareOfPassingMetricsAndMarginalFails() {
        var spec = CanarySpec(
            traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 10, bake: 60)],
            metrics: [
                MetricCheck(metric: .latencyP50, maxRatio: 1.0), MetricCheck(metric: .errorRate, maxIncrease: 0.5),
                MetricCheck(metric: .tokensPerRequest, maxRatio: 1.0), MetricCheck(metric: .quality, maxDecrease: 0.5),
            ])
        spec.judge.kind = .kayenta
        var judge = KayentaJudge(spec: spec)
        judge.startStep(0, weight: 10, at: 0)
        var rng = SeededRandom(seed: 3, stream: "k")
        for second in 0..<60 {
            for _ in 0..<20 {
                let b = Observation(variant: .baseline, latencyMs: 100 + rng.unit() * 10, promptTokens: 50, completionTokens: 50, quality: 0.9)
                let c = Observation(variant: .candidate, latencyMs: 200 + rng.unit() * 10, promptTokens: 50, completionTokens: 50, quality: 0.9)
                judge.observe(b, weight: 10, at: Double(second))
                judge.observe(c, weight: 10, at: Double(second))
            }
        }
        let a = judge.analyze(step: 0, at: 60, baseline: ArmMetrics(), candidate: ArmMetrics())
        // Latency High; errors, tokens and quality identical: 3 of 4 pass = 75, marginal (not < 75), not pass.
        #expect(a.score == 75)
        #expect(a.decision == .continue)
        #expect(a.ready == false)
        #expect(a.results.first { $0.metric == .latencyP50 }?.status == .breach)
    }
}

/// The sequential judge's error budgets, by simulation with fixed seeds, looking after every
/// request. Tolerance: with T trials the observed rate may exceed α by sampling noise alone; we
/// allow 2.5 binomial standard deviations (T = 300, α = 0.05: up to 8.1 %).
@Suite struct SequentialJudgeBudgetTests {
    static let trials = 300
    static func tolerance(_ alpha: Double) -> Double { alpha + 2.5 * (alpha * (1 - alpha) / Double(trials)).squareRoot() }

    func spec(_ metric: MetricCheck) -> CanarySpec {
        var s = CanarySpec(traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 20, bake: 60)], metrics: [metric], minSamples: 30)
        s.judge.alphaRollback = 0.05
        s.judge.alphaPromote = 0.05
        return s
    }

    enum Call { case rollback, ready, neither }

    /// Feeds `requests` requests (candidate share 20 %) and looks after each; the first call wins.
    func trial(_ spec: CanarySpec, seed: UInt64, requests: Int, sample: (inout SeededRandom, Variant) -> Observation) -> Call {
        var judge = SequentialJudge(spec: spec)
        var rng = SeededRandom(seed: seed, stream: "budget")
        judge.startStep(0, weight: 20, at: 0)
        for i in 0..<requests {
            let v: Variant = rng.chance(0.2) ? .candidate : .baseline
            judge.observe(sample(&rng, v), weight: 20, at: Double(i) / 10)
            let a = judge.analyze(step: 0, at: Double(i) / 10 + 0.1, baseline: ArmMetrics(), candidate: ArmMetrics())
            if a.decision == .rollback { return .rollback }
            if a.ready == true { return .ready }
        }
        return .neither
    }

    func rates(_ spec: CanarySpec, requests: Int, sample: @escaping (inout SeededRandom, Variant) -> Observation) -> (rollback: Double, ready: Double)
    {
        var rollbacks = 0, ready = 0
        for t in 0..<Self.trials {
            switch trial(spec, seed: UInt64(1000 + t), requests: requests, sample: sample) {
            case .rollback: rollbacks += 1
            case .ready: ready += 1
            case .neither: break
            }
        }
        return (Double(rollbacks) / Double(Self.trials), Double(ready) / Double(Self.trials))
    }

    /// Log-normal latency with median `m`; a candidate exactly at a boundary is the hardest case
    /// for that boundary's budget: at the rollback tolerance, "not worse than it" for rollback;
    /// at the margin, "not within it" for promotion.
    func latency(candidateFactor: Double) -> (inout SeededRandom, Variant) -> Observation {
        let base = LogNormal(median: 800, p99: 2400), cand = LogNormal(median: 800 * candidateFactor, p99: 2400 * candidateFactor)
        return { rng, v in Observation(variant: v, latencyMs: (v == .candidate ? cand : base).sample(&rng)) }
    }

    @Test func atTheToleranceRollbackKeepsItsBudgetAndAtTheMarginPromotionKeepsIts() {
        let s = spec(MetricCheck(metric: .latencyP50, maxRatio: 1.2))
        // Default tolerance: a third of the margin, ×1.0667.
        let atTolerance = rates(s, requests: 4000, sample: latency(candidateFactor: 1 + 0.2 / 3))
        let atMargin = rates(s, requests: 4000, sample: latency(candidateFactor: 1.2))
        print(
            "sequential judge, latency at the tolerance: false rollback \(atTolerance.rollback); at the margin: false promote \(atMargin.ready), rolled back \(atMargin.rollback) over \(Self.trials) trials"
        )
        #expect(atTolerance.rollback <= Self.tolerance(0.05), "false rollback \(atTolerance.rollback)")
        #expect(atMargin.ready <= Self.tolerance(0.05), "false promote \(atMargin.ready)")
        // The point of the tolerance: a candidate at the margin is caught, not left to stall.
        #expect(atMargin.rollback >= 0.8, "rolled back at the margin \(atMargin.rollback)")
    }

    @Test func withOneBoundaryAtTheMarginNeitherBudgetIsExceeded() {
        var s = spec(MetricCheck(metric: .latencyP50, maxRatio: 1.2))
        s.judge.rollbackTolerance = 1
        let r = rates(s, requests: 4000, sample: latency(candidateFactor: 1.2))
        #expect(r.rollback <= Self.tolerance(0.05), "false rollback \(r.rollback)")
        #expect(r.ready <= Self.tolerance(0.05), "false promote \(r.ready)")
    }

    @Test func aGoodCandidateIsPassedAndABadOneCaught() {
        let s = spec(MetricCheck(metric: .latencyP50, maxRatio: 1.2))
        let good = rates(s, requests: 4000, sample: latency(candidateFactor: 1.0))
        #expect(good.rollback <= Self.tolerance(0.05))
        #expect(good.ready >= 0.9, "power to pass a no-worse candidate: \(good.ready)")
        let bad = rates(s, requests: 4000, sample: latency(candidateFactor: 1.5))
        #expect(bad.ready <= Self.tolerance(0.05))
        #expect(bad.rollback >= 0.9, "power to catch ×1.5: \(bad.rollback)")
    }

    @Test func errorRatesAtTheirBoundariesHoldTheirBudgets() {
        let s = spec(MetricCheck(metric: .errorRate, maxIncrease: 0.02))
        func errors(_ candidate: Double) -> (inout SeededRandom, Variant) -> Observation {
            { rng, v in Observation(variant: v, latencyMs: 10, status: 200, failed: rng.chance(v == .candidate ? candidate : 0.01)) }
        }
        let atTolerance = rates(s, requests: 6000, sample: errors(0.01 + 0.02 / 3))
        let atMargin = rates(s, requests: 6000, sample: errors(0.03))
        print(
            "sequential judge, error rate at the tolerance: false rollback \(atTolerance.rollback); at the margin: false promote \(atMargin.ready) over \(Self.trials) trials"
        )
        #expect(atTolerance.rollback <= Self.tolerance(0.05), "false rollback \(atTolerance.rollback)")
        #expect(atMargin.ready <= Self.tolerance(0.05), "false promote \(atMargin.ready)")
    }

    @Test(arguments: [1.0, 1 + 1.0 / 3])
    func theCountMartingaleHoldsAlphaAcrossWeightChanges(theta0: Double) {
        // The candidate's rate exactly θ₀ times the baseline's (1: the same; 4/3: at the rollback
        // tolerance of a ×2 margin), weight ramping 5 → 20 → 50 %.
        var rejections = 0
        for t in 0..<Self.trials {
            var m = CountMartingale(theta0: theta0)
            var rng = SeededRandom(seed: UInt64(t), stream: "counts")
            var rejected = false
            for i in 0..<600 {
                let w = i < 200 ? 0.05 : (i < 400 ? 0.2 : 0.5)
                m.observe(fromCandidate: rng.chance(CountMartingale.rho(theta0, w)), share: w)
                if m.rejects(alpha: 0.05) { rejected = true; break }
            }
            if rejected { rejections += 1 }
        }
        #expect(Double(rejections) / Double(Self.trials) <= Self.tolerance(0.05))
        // And it sees a candidate with three times the error rate.
        var m = CountMartingale(theta0: 1)
        var rng = SeededRandom(seed: 9, stream: "counts")
        for _ in 0..<300 {
            let w = 0.2, theta = 3.0
            m.observe(fromCandidate: rng.chance(w * theta / (w * theta + 1 - w)), share: w)
        }
        #expect(m.rejects(alpha: 0.05))
    }

    @Test func theCriticalEventRollsBackAtOnceAndExplanationsCarryNumbers() {
        var s = spec(MetricCheck(metric: .latencyP50, maxRatio: 1.2))
        s.metrics.append(MetricCheck(metric: .criticalEvents))
        var j = SequentialJudge(spec: s)
        var rng = SeededRandom(seed: 1, stream: "x")
        let sample = latency(candidateFactor: 1.0)
        for i in 0..<500 { j.observe(sample(&rng, i % 5 == 0 ? .candidate : .baseline), weight: 20, at: Double(i) / 10) }
        let before = j.analyze(step: 0, at: 50, baseline: ArmMetrics(), candidate: ArmMetrics())
        let e = try! #require(before.results.first?.evidence)
        #expect(e.scale == "log-ratio" && e.nCandidate == 100 && e.nBaseline == 400)
        #expect(e.lower < e.estimate && e.estimate < e.upper)
        #expect(abs(e.margin - Foundation.log(1.2)) < 1e-12)
        var leak = Observation(variant: .candidate, latencyMs: 800)
        leak.critical = true
        j.observe(leak, weight: 20, at: 51)
        let after = j.analyze(step: 0, at: 51, baseline: ArmMetrics(), candidate: ArmMetrics())
        #expect(after.decision == .rollback)
        #expect(after.reason.contains("critical"))
    }
}

/// The two sides a dashboard shows: the evidence toward rolling back (against the tolerance) and
/// toward promoting (against the margin), each with its own threshold, and what the decision costs.
@Suite struct SequentialJudgeBothSidesTests {
    func analyses(factor: Double, requests: Int) -> [MetricEvidence] { timed(factor: factor, requests: requests).map(\.1) }

    func timed(factor: Double, requests: Int) -> [(Double, MetricEvidence)] {
        var s = CanarySpec(
            traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 20, bake: 60)],
            metrics: [MetricCheck(metric: .latencyP50, maxRatio: 1.2)], minSamples: 30)
        s.judge.alphaRollback = 0.05
        s.judge.alphaPromote = 0.05
        var judge = SequentialJudge(spec: s)
        var rng = SeededRandom(seed: 77, stream: "both-sides")
        let base = LogNormal(median: 800, p99: 2400), cand = LogNormal(median: 800 * factor, p99: 2400 * factor)
        judge.startStep(0, weight: 20, at: 0)
        var out: [(Double, MetricEvidence)] = []
        for i in 0..<requests {
            let v: Variant = rng.chance(0.2) ? .candidate : .baseline
            judge.observe(Observation(variant: v, latencyMs: (v == .candidate ? cand : base).sample(&rng)), weight: 20, at: Double(i) / 10)
            let t = Double(i) / 10 + 0.1
            if i % 50 == 49, let e = judge.analyze(step: 0, at: t, baseline: ArmMetrics(), candidate: ArmMetrics()).results.first?.evidence {
                out.append((t, e))
            }
        }
        return out
    }

    @Test func eachSideCountsOnlyEvidenceOnItsOwnSide() throws {
        let good = analyses(factor: 0.9, requests: 3000)
        let last = try #require(good.last)
        #expect(last.rollbackEvidence == 0, "a faster candidate gives no evidence of harm: \(last.rollbackEvidence ?? -1)")
        #expect((last.promoteEvidence ?? 0) >= (last.promoteBoundary ?? .infinity), "and clears the margin")
        #expect(abs((last.rollbackBoundary ?? 0) - log(1 / 0.05)) < 1e-9 && abs((last.promoteBoundary ?? 0) - log(1 / 0.05)) < 1e-9)
        let bad = analyses(factor: 1.6, requests: 3000)
        let caught = try #require(bad.first { ($0.rollbackProgress ?? 0) >= 1 })
        #expect(caught.promoteEvidence == 0)
        // The leaning side's evidence is the one the judge has always reported.
        for e in good + bad {
            let leaning = e.leaning == "harm" ? e.rollbackEvidence : e.promoteEvidence
            #expect(abs((leaning ?? -1) - e.evidence) < 1e-9, "\(e)")
        }
    }

    @Test func requestsToDecisionAndTheETAAgree() throws {
        let undecided = timed(factor: 1.0, requests: 400).filter { $0.1.requestsToDecision ?? 0 > 0 }
        let (t, e) = try #require(undecided.first)
        let eta = try #require(e.eta)
        // The ETA is the requests still needed at the step's candidate rate so far.
        let n = Double(try #require(e.requestsToDecision)), rate = Double(e.nCandidate) / t
        #expect(abs(eta * rate - n) <= 1, "\(eta) s at \(rate) candidate requests/s against \(n) requests")
        // As data arrives, what remains shrinks.
        let later = undecided.compactMap(\.1.requestsToDecision)
        #expect(later.count < 2 || later.last! < later.first!, "\(later)")
    }
}
