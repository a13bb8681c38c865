import Testing

@testable import RampartCore

struct ArmAccumulatorTests {
    @Test func summarisesAndTellsNoDataFromZero() {
        var arm = ArmAccumulator()
        #expect(arm.metrics().latencyP50 == nil)
        #expect(arm.metrics().errorRate == nil)
        for i in stride(from: 100, through: 51, by: -1) {
            arm.record(latencyMs: Double(i), failed: i % 10 == 0, tokens: 100, cost: 0.01, quality: 0.5)
        }
        #expect(close(arm.metrics().latencyP50, 75))
        for i in 1...50 {
            arm.record(latencyMs: Double(i), failed: i % 10 == 0, tokens: 100, cost: 0.01, quality: 0.5)
        }
        let m = arm.metrics()
        #expect(m.requests == 100)
        #expect(m.errors == 10)
        #expect(m.errorRate == 0.1)
        #expect(close(m.latencyP50, 50))
        #expect(close(m.latencyP95, 95))
        #expect(close(m.latencyP99, 99))
        #expect(m.tokensPerRequest == 100)
        #expect(abs(m.costPerRequest! - 0.01) < 1e-12)
        #expect(m.quality == 0.5)
    }

    /// HDR histogram with three significant digits: within 0.1% of the exact value.
    func close(_ got: Double?, _ exact: Double?) -> Bool {
        guard let got, let exact else { return false }
        return abs(got - exact) <= exact * 0.001 + 1e-9
    }

    @Test func histogramPercentilesStayWithinATenthOfAPercentOfExact() {
        var rng = SeededRandom(seed: 7, stream: "latency")
        let latency = LogNormal(median: 850, p99: 2600)
        var arm = ArmAccumulator()
        var all: [Double] = []
        for _ in 0..<50_000 {
            let ms = latency.sample(&rng)
            all.append(ms)
            arm.record(latencyMs: ms, failed: false, tokens: 1, cost: 0, quality: nil)
        }
        all.sort()
        for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
            #expect(close(arm.latency(at: q), ArmAccumulator.percentile(all, q)), "q=\(q)")
        }
    }

    @Test func clientErrorsAreLeftOutAndWindowsSlide() {
        var live = LiveMetrics(bucketSeconds: 5, windowSeconds: 10)
        live.record(Observation(variant: .candidate, latencyMs: 10, status: 400), at: 0)
        #expect(live.arm(.candidate).requests == 0)
        #expect(live.candidateTotal == 0)
        live.record(Observation(variant: .candidate, latencyMs: 100), at: 1)
        live.record(Observation(variant: .candidate, latencyMs: 300, status: 500, failed: true), at: 6)
        live.record(Observation(variant: .baseline, latencyMs: 50), at: 12)
        #expect(live.arm(.candidate).requests == 2)
        #expect(live.recent(.candidate, at: 12).requests == 1, "the window [5, 15) keeps only the 6-second request")
        #expect(live.recent(.candidate, at: 12).errorRate == 1)
        #expect(live.recent(.baseline, at: 12).requests == 1)
        live.startStep(1)
        #expect(live.arm(.candidate).requests == 0)
        #expect(live.candidateTotal == 2, "the blast radius counts every step")
        let s = live.snapshot(weight: 20, at: 12)
        #expect(s.step == 1 && s.recentCandidate?.requests == 1)
    }

    @Test func nearestRankPercentile() {
        #expect(ArmAccumulator.percentile([], 0.5) == nil)
        #expect(ArmAccumulator.percentile([7], 0.95) == 7)
        #expect(ArmAccumulator.percentile([1, 2, 3, 4], 0.5) == 2)
        #expect(ArmAccumulator.percentile([1, 2, 3, 4], 0.75) == 3)
    }
}

struct ThresholdAnalyzerTests {
    func arm(_ requests: Int, p95: Double, quality: Double = 0.9) -> ArmMetrics {
        ArmMetrics(
            requests: requests, errors: 0, latencyP50: p95 / 2, latencyP95: p95, errorRate: 0, tokensPerRequest: 100, costPerRequest: 0.01,
            quality: quality)
    }

    @Test func limitsCombineToTheTightest() {
        let c = MetricCheck(metric: .latencyP95, maxRatio: 1.5, maxIncrease: 100, max: 1000)
        #expect(ThresholdAnalyzer.limit(c, baseline: 100) == 150)
        #expect(ThresholdAnalyzer.limit(c, baseline: 400) == 500)
        #expect(ThresholdAnalyzer.limit(c, baseline: 900) == 1000)
        let q = MetricCheck(metric: .quality, maxDecrease: 0.05, min: 0.8)
        #expect(ThresholdAnalyzer.limit(q, baseline: 0.9) == 0.85)
        #expect(ThresholdAnalyzer.limit(q, baseline: 0.82) == 0.8)
    }

    @Test func rollsBackOnlyAfterTheFailureLimitInARow() {
        var a = ThresholdAnalyzer(checks: [MetricCheck(metric: .latencyP95, maxRatio: 1.2)], failureLimit: 2, minSamples: 10)
        let first = a.analyze(step: 0, baseline: arm(50, p95: 100), candidate: arm(50, p95: 130))
        #expect(first.decision == .continue)
        #expect(first.results[0].status == .watching)
        let recovered = a.analyze(step: 0, baseline: arm(50, p95: 100), candidate: arm(50, p95: 110))
        #expect(recovered.results[0].status == .ok)
        #expect(recovered.results[0].consecutiveFailures == 0)
        _ = a.analyze(step: 0, baseline: arm(50, p95: 100), candidate: arm(50, p95: 130))
        let second = a.analyze(step: 0, baseline: arm(50, p95: 100), candidate: arm(50, p95: 140))
        #expect(second.decision == .rollback)
        #expect(second.results[0].status == .breach)
        #expect(second.reason.contains("latency_p95 140ms > limit 120ms (baseline 100ms)"))
    }

    @Test func tooFewRequestsIsNoDataNotABreach() {
        var a = ThresholdAnalyzer(checks: [MetricCheck(metric: .latencyP95, maxRatio: 1.2)], failureLimit: 1, minSamples: 30)
        let r = a.analyze(step: 0, baseline: arm(500, p95: 100), candidate: arm(29, p95: 900))
        #expect(r.decision == .continue)
        #expect(r.results[0].status == .noData)
        #expect(r.reason.hasPrefix("gathering data"))
    }

    @Test func qualityIsWorseWhenLower() {
        var a = ThresholdAnalyzer(checks: [MetricCheck(metric: .quality, maxDecrease: 0.05)], failureLimit: 1, minSamples: 1)
        #expect(a.analyze(step: 0, baseline: arm(10, p95: 1, quality: 0.9), candidate: arm(10, p95: 1, quality: 0.95)).decision == .continue)
        #expect(a.analyze(step: 0, baseline: arm(10, p95: 1, quality: 0.9), candidate: arm(10, p95: 1, quality: 0.8)).decision == .rollback)
    }
}
