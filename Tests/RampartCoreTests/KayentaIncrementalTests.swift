import Testing

@testable import RampartCore

/// Kayenta computes each closed bucket's aggregates once and keeps them: an analysis after every
/// few observations must give exactly what a judge fed the same observations and asked once
/// gives, including observations on a bucket's edge, empty buckets, several steps, and an
/// observation that arrives out of time order.
struct KayentaIncrementalTests {
    static func spec() -> CanarySpec {
        var spec = CanarySpec(
            traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 10, bake: 60)],
            metrics: [
                MetricCheck(metric: .latencyP50, maxRatio: 1.1), MetricCheck(metric: .latencyP95, maxRatio: 1.2),
                MetricCheck(metric: .errorRate, maxIncrease: 0.05), MetricCheck(metric: .quality, maxDecrease: 0.1),
            ])
        spec.judge.kind = .kayenta
        return spec
    }

    struct Fed {
        var observation: Observation
        var t: Double
    }

    @Test func analysesAfterEveryFewObservationsEqualAnalysesFromScratch() {
        var rng = SeededRandom(seed: 21, stream: "kayenta-incremental")
        for trial in 0..<4 {
            var judge = KayentaJudge(spec: Self.spec())
            judge.startStep(0, weight: 10, at: 5)
            var fed: [Fed] = []
            var t = 5.0
            var looks = 0
            var stay = 0
            for i in 0..<400 {
                // Mostly forward in small steps, sometimes a gap of empty buckets, sometimes exactly
                // on a bucket's edge, and (in odd trials) once a little back in time.
                if stay > 0 {
                    stay -= 1
                } else {
                    t += rng.chance(0.01) ? 37 : (rng.chance(0.05) ? 0 : rng.unit() * 0.2)
                }
                // A hair before a bucket's end: an analysis there counts the bucket as complete (its
                // rounding allowance), yet observations at that same time still land in it.
                var edge = false
                if rng.chance(0.02) {
                    let bucket = Self.spec().judge.bucket
                    t = 5 + (((t - 5) / bucket).rounded(.up) - 1e-11) * bucket
                    edge = true
                    stay = 3
                }
                var at = t
                if trial % 2 == 1 && i == 250 { at = max(5, t - 25) }
                let o = Observation(
                    variant: rng.chance(0.3) ? .candidate : .baseline, latencyMs: 100 + rng.unit() * (trial % 3 == 0 ? 200 : 50),
                    failed: rng.chance(0.02), promptTokens: 50, completionTokens: 40, quality: rng.chance(0.5) ? rng.unit() : nil)
                judge.observe(o, weight: 10, at: at)
                fed.append(Fed(observation: o, t: at))
                guard edge || rng.chance(0.04) else { continue }
                let lookAt = edge ? t : t + rng.unit()
                let incremental = judge.analyze(step: 0, at: lookAt, baseline: ArmMetrics(), candidate: ArmMetrics())
                var fresh = KayentaJudge(spec: Self.spec())
                fresh.startStep(0, weight: 10, at: 5)
                for f in fed { fresh.observe(f.observation, weight: 10, at: f.t) }
                let scratch = fresh.analyze(step: 0, at: lookAt, baseline: ArmMetrics(), candidate: ArmMetrics())
                #expect(incremental == scratch, "trial \(trial), observation \(i), look at \(lookAt)")
                looks += 1
            }
            #expect(looks > 8)
        }
    }

    /// A new step starts from nothing: no bucket of the previous step is carried over.
    @Test func aNewStepForgetsThePreviousStepsBuckets() {
        var judge = KayentaJudge(spec: Self.spec())
        judge.startStep(0, weight: 10, at: 0)
        for s in 0..<60 {
            judge.observe(
                Observation(variant: .baseline, latencyMs: 100, promptTokens: 1, completionTokens: 1, quality: 0.9), weight: 10, at: Double(s))
            judge.observe(
                Observation(variant: .candidate, latencyMs: 300, promptTokens: 1, completionTokens: 1, quality: 0.9), weight: 10, at: Double(s))
        }
        #expect(judge.analyze(step: 0, at: 60, baseline: ArmMetrics(), candidate: ArmMetrics()).decision == .rollback)
        judge.startStep(1, weight: 20, at: 60)
        let a = judge.analyze(step: 1, at: 61, baseline: ArmMetrics(), candidate: ArmMetrics())
        #expect(a.decision == .continue && a.reason.hasPrefix("gathering"), "\(a.reason)")
    }
}
