import Testing

@testable import RampartCore

struct GateVerdictTests {
    func check(_ low: Double, _ high: Double, limit: Double, _ cmp: GateCheck.Comparison, upperOnly: Bool = false) -> GateVerdict {
        GateCheck(
            threshold: "t", measure: "m", candidate: (low + high) / 2, baseline: nil, interval: Interval(low: low, high: high), method: "x", n: 10,
            limit: limit, comparison: cmp, upperBoundOnly: upperOnly
        ).verdict
    }

    @Test func theIntervalDecides() {
        #expect(check(0.85, 0.95, limit: 0.8, .atLeast) == .pass)
        #expect(check(0.6, 0.75, limit: 0.8, .atLeast) == .fail)
        #expect(check(0.75, 0.9, limit: 0.8, .atLeast) == .inconclusive)
        #expect(check(0.0, 0.1, limit: 0.2, .atMost) == .pass)
        #expect(check(0.3, 0.5, limit: 0.2, .atMost) == .fail)
        #expect(check(0.1, 0.3, limit: 0.2, .atMost) == .inconclusive)
        // Attack success gates on the upper bound alone: not proven safe is a failure.
        #expect(check(0.0, 0.3, limit: 0.2, .atMost, upperOnly: true) == .fail)
        #expect(check(0.0, 0.15, limit: 0.2, .atMost, upperOnly: true) == .pass)
    }

    @Test func verdictsCombineFailFirst() {
        #expect(GateVerdict.combine([.pass, .inconclusive]) == .inconclusive)
        #expect(GateVerdict.combine([.inconclusive, .fail, .pass]) == .fail)
        #expect(GateVerdict.combine([]) == .pass)
    }

    @Test func nonInferiorityUsesThePairedDifference() {
        let gate = GateSpec(name: "g", kind: .golden, dataset: "d", thresholds: GateThresholds(maxRegression: 0.03))
        let base = (0..<50).map { 0.9 + Double($0 % 5) * 0.01 }
        #expect(GateEvaluator.golden(gate, candidate: base.map { $0 - 0.01 }, baseline: base, candidateErrors: 0, baselineErrors: 0).verdict == .pass)
        #expect(GateEvaluator.golden(gate, candidate: base.map { $0 - 0.1 }, baseline: base, candidateErrors: 0, baselineErrors: 0).verdict == .fail)
        let noisy = base.enumerated().map { $0.element - 0.03 + ($0.offset % 2 == 0 ? 0.05 : -0.05) }
        let r = GateEvaluator.golden(gate, candidate: noisy, baseline: base, candidateErrors: 0, baselineErrors: 0)
        #expect(r.verdict == .inconclusive)
        #expect(!r.passed)
        var lenient = gate
        lenient.blockWhenInconclusive = false
        #expect(GateEvaluator.golden(lenient, candidate: noisy, baseline: base, candidateErrors: 0, baselineErrors: 0).passed)
        #expect(r.checks[0].test?.method.hasPrefix("wilcoxon") == true)
    }

    @Test func guardrailItemsAreStrict() {
        let gate = GateSpec(
            name: "g", kind: .guardrail, dataset: "d", samples: 3, thresholds: GateThresholds(minRefusalRate: 0.5, maxOverRefusal: 0.5))
        let harmful = (0..<10).map { GateEvaluator.CaseOutcome(harmful: true, refusals: $0 < 5 ? 3 : 2, samples: 3) }
        let benign = (0..<10).map { GateEvaluator.CaseOutcome(harmful: false, refusals: $0 < 3 ? 1 : 0, samples: 3) }
        let r = GateEvaluator.guardrail(gate, candidate: harmful + benign, baseline: harmful + benign, candidateErrors: 0, baselineErrors: 0)
        // Refused on every repeat: 5 of 10. Refused on any repeat: 3 of 10.
        #expect(r.checks[0].candidate == 0.5)
        #expect(r.checks[1].candidate == 0.3)
        #expect(r.checks[0].n == 10 && r.checks[1].n == 10)
    }

    @Test func planSaysWhatTheDataCanDetect() {
        let gate = GateSpec(name: "g", kind: .injection, dataset: "d", thresholds: GateThresholds(maxLeakRate: 0.1))
        let r = GateEvaluator.injection(gate, candidateLeaks: 0, baselineLeaks: 0, items: 20, candidateErrors: 0, baselineErrors: 0)
        #expect(r.verdict == .fail)  // 0/20 bounds the rate only at 0.16
        let line = GatePlan.lines([GateReport(result: r, items: [])])[0]
        #expect(line.itemsToDecide == nil || line.itemsToDecide! > 20)
        #expect(line.detectable > 0.1)
    }
}

struct ToneGateTests {
    @Test func toneGatesOnTheMeanAndTheNegativeShare() {
        let gate = GateSpec(name: "t", kind: .tone, dataset: "d", thresholds: GateThresholds(minMeanTone: 0.0, maxNegativeRate: 0.2))
        let friendly = (0..<60).map { _ in 0.5 }
        let rude = (0..<60).map { $0 % 2 == 0 ? -0.6 : 0.1 }
        #expect(GateEvaluator.tone(gate, candidate: friendly, baseline: friendly, candidateErrors: 0, baselineErrors: 0).verdict == .pass)
        let r = GateEvaluator.tone(gate, candidate: rude, baseline: friendly, candidateErrors: 0, baselineErrors: 0)
        #expect(r.verdict == .fail)
        #expect(r.checks[1].candidate == 0.5)
    }

    @Test func goldenMetricsMapToTheirScorers() {
        #expect(GoldenMetric.rougeL.scorer == .rougeL)
        #expect(GoldenMetric.bleu.scorer.score(candidate: "a b c d", references: ["a b c d"]).score == 1)
        for m in GoldenMetric.allCases { #expect(ScoreMetric.allCases.contains(m.scorer)) }
    }
}
