import Foundation
import Testing

@testable import RampartCore

/// `mirror`: a share of baseline prompts also answered by the candidate, so quality is compared
/// on the same prompts. Prompts differ in difficulty far more than versions do; a pair's
/// difference carries none of that spread, so the paired test settles a margin on far fewer
/// scored answers than two independent samples.
@Suite struct MirroredQualityTests {
    func spec(mirror: Double) -> CanarySpec {
        var s = CanarySpec(
            traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 10, bake: 60)],
            metrics: [MetricCheck(metric: .quality, maxDecrease: 0.05)], minSamples: 20)
        s.proxy.mirror = mirror
        return s
    }

    /// Each prompt's difficulty (sd 0.15) is shared by both answers to it; each answer adds its
    /// own noise (sd 0.02). The candidate is `shift` worse on every prompt.
    func feed(_ judge: inout SequentialJudge, prompts: Int, shift: Double, paired: Bool, seed: UInt64) -> Int? {
        var rng = SeededRandom(seed: seed, stream: "mirror")
        judge.startStep(0, weight: 10, at: 0)
        for i in 0..<prompts {
            let difficulty = 0.75 + 0.15 * rng.normal()
            let b = difficulty + 0.02 * rng.normal(), c = difficulty - shift + 0.02 * rng.normal()
            if paired {
                var o = Observation(variant: .baseline, latencyMs: 100, quality: b)
                o.shadow = ShadowAnswer(quality: c, cost: 0.001)
                judge.observe(o, weight: 10, at: Double(i))
            } else {
                // The same scores, as two independent arms see them (a different prompt each).
                let other = 0.75 + 0.15 * rng.normal() - shift + 0.02 * rng.normal()
                judge.observe(Observation(variant: .baseline, latencyMs: 100, quality: b), weight: 10, at: Double(i))
                judge.observe(Observation(variant: .candidate, latencyMs: 100, quality: other), weight: 10, at: Double(i))
            }
            let a = judge.analyze(step: 0, at: Double(i) + 0.5, baseline: ArmMetrics(), candidate: ArmMetrics())
            if a.decision == .rollback { return i + 1 }
        }
        return nil
    }

    @Test func pairsCatchAQualityDropThatIndependentSamplesStillMiss() throws {
        var paired = SequentialJudge(spec: spec(mirror: 0.2))
        let caught = try #require(feed(&paired, prompts: 400, shift: 0.1, paired: true, seed: 1), "paired: rolled back")
        var unpaired = SequentialJudge(spec: spec(mirror: 0))
        let late = feed(&unpaired, prompts: 400, shift: 0.1, paired: false, seed: 1)
        print("mirrored quality: paired rollback after \(caught) prompts; unpaired \(late.map(String.init) ?? "none") within 400 per arm")
        #expect(caught <= 60, "paired on \(caught) prompts")
        #expect(late.map { $0 > 3 * caught } ?? true, "unpaired: \(late.map(String.init) ?? "not") within 400 per arm")
        let a = paired.analyze(step: 0, at: 1000, baseline: ArmMetrics(), candidate: ArmMetrics())
        #expect(a.reason.contains("mirrored prompts"), "\(a.reason)")
        #expect(a.results.first?.evidence?.scale == "paired-difference")
    }

    @Test func anIdenticalCandidateIsPromotableOnPairs() throws {
        var judge = SequentialJudge(spec: spec(mirror: 0.2))
        #expect(feed(&judge, prompts: 200, shift: 0, paired: true, seed: 2) == nil)
        let a = judge.analyze(step: 0, at: 300, baseline: ArmMetrics(), candidate: ArmMetrics())
        #expect(a.results.first?.status == .nonInferior, "\(a.reason)")
        #expect(a.results.first?.evidence?.nCandidate == 200)
    }

    @Test func aFailedOrUnscoredShadowMakesNoPairAndTheBatchKeepsIt() throws {
        var judge = SequentialJudge(spec: spec(mirror: 0.5))
        var failed = Observation(variant: .baseline, latencyMs: 100, quality: 0.9)
        failed.shadow = ShadowAnswer(quality: nil, cost: 0, failed: true)
        var unscored = Observation(variant: .baseline, latencyMs: 100, quality: 0.8)
        unscored.shadow = ShadowAnswer(quality: nil, cost: 0.002)
        var scored = Observation(variant: .baseline, latencyMs: 100, quality: 0.7)
        scored.shadow = ShadowAnswer(quality: 0.65, cost: 0.003)
        for o in [failed, unscored, scored] { judge.observe(o, weight: 10, at: 0) }
        let a = judge.analyze(step: 0, at: 1, baseline: ArmMetrics(), candidate: ArmMetrics())
        #expect(a.reason.contains("quality (1 of 20 mirrored pairs)"), "\(a.reason)")
        // A recording holds each shadow: failed, unscored and scored come back as they went.
        let batch = ObservationBatch(weight: 10, observations: [failed, unscored, scored, Observation(variant: .candidate, latencyMs: 5)])
        let decoded = try JSONDecoder().decode(ObservationBatch.self, from: JSONEncoder().encode(batch))
        #expect(decoded.observations.map(\.shadow) == [failed.shadow, unscored.shadow, scored.shadow, nil])
        // The baseline arm counts what mirroring cost; the candidate arm never sees a shadow.
        var arm = ArmAccumulator()
        for o in [failed, unscored, scored] { arm.record(o) }
        #expect(arm.metrics().mirrored == 3 && abs((arm.metrics().mirrorCost ?? 0) - 0.005) < 1e-12)
        #expect(ArmAccumulator().metrics().mirrored == nil)
    }

    @Test func mirrorIsRefusedWhereNothingReadsThePairs() throws {
        func load(_ judge: String, metric: String) throws(InvalidInput) -> PipelineSpec {
            let text = """
                name: x
                baseline: { provider: sim, model: m, version: "1" }
                candidate: { provider: sim, model: m, version: "2" }
                canary:
                  traffic: { rate: 1, dataset: \(Paths.fixture("specs/data/golden.jsonl")) }
                  proxy: { mirror: 0.2 }
                  steps: [ { weight: 10, bake: 1m } ]
                  metrics: [ \(metric) ]
                  judge: \(judge)
                """
            return try SpecLoader.parse(text, file: "t.yaml", directory: ".")
        }
        #expect(try load("sequential", metric: "{ metric: quality, max_decrease: 0.05 }").canary?.proxy.mirror == 0.2)
        for (judge, metric, says) in [
            ("sequential", "{ metric: latency_p50, max_ratio: 1.2 }", "judges no quality metric"),
            ("threshold", "{ metric: quality, max_decrease: 0.05 }", "the threshold judge compares unpaired means"),
        ] {
            do {
                _ = try load(judge, metric: metric)
                Issue.record("mirror was accepted with \(judge) and \(metric)")
            } catch {
                #expect(error.diagnostics.count == 1 && error.diagnostics[0].path.hasSuffix("proxy.mirror"), "\(error)")
                #expect(error.diagnostics.first?.message.contains(says) == true, "\(error)")
            }
        }
    }
}
