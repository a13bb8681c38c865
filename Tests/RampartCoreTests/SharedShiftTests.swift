import Foundation
import Testing

@testable import RampartCore

/// A/A canaries on the demo's metrics and ramp (10 → 25 → 50 %, 50 requests a second, 30 s a
/// step, as the demo runs; 60 seeded trials per scenario here, 100 for the figures in
/// examples/README.md) hit by something that is no version's fault and happens to both at once: an upstream
/// incident, a diurnal rise in latency, a warm-up. The candidate's requests are concentrated in
/// the later, heavier steps, so any comparison that pools the steps confounds time with
/// version; the sequential judge compares each step's arms with each other (traffic in force at
/// the same time), and must keep its false-rollback budget through all of these. Fixed seeds;
/// the tolerance is that of SequentialJudgeBudgetTests (2.5 binomial standard deviations).
@Suite struct SharedShiftTests {
    static let trials = 60
    static func tolerance(_ alpha: Double) -> Double { alpha + 2.5 * (alpha * (1 - alpha) / Double(trials)).squareRoot() }

    static let weights: [Double] = [10, 25, 50]
    static let rate = 50.0
    static let stepSeconds = 30.0

    func spec() -> CanarySpec {
        var s = CanarySpec(
            traffic: TrafficSpec(rate: Self.rate, dataset: "d"), steps: Self.weights.map { CanaryStep(weight: $0, bake: Self.stepSeconds) },
            metrics: [
                MetricCheck(metric: .latencyP95, maxRatio: 1.25), MetricCheck(metric: .latencyP50, maxRatio: 1.2),
                MetricCheck(metric: .errorRate, maxIncrease: 0.03), MetricCheck(metric: .tokensPerRequest, maxRatio: 1.5),
            ], minSamples: 50)
        s.judge.alphaRollback = 0.05
        s.judge.alphaPromote = 0.05
        return s
    }

    /// What the world does to every request at engine time `t`, whichever version served it:
    /// the chance it fails and a factor on its latency.
    struct World: Sendable {
        var failure: @Sendable (Double) -> Double
        var slowdown: @Sendable (Double) -> Double
    }

    /// One canary: each request goes to the candidate with the step's weight; both versions
    /// behave the same (A/A) unless the candidate is `slower` or fails `moreOften` (points), and
    /// the world acts on both. The judge looks every second. True when it rolled back.
    func rolledBack(_ world: World, seed: UInt64, slower: Double = 1, moreOften: Double = 0) -> Bool {
        var judge = SequentialJudge(spec: spec())
        var rng = SeededRandom(seed: seed, stream: "shared-shift")
        let latency = LogNormal(median: 800, p99: 2400)
        var t = 0.0
        for (step, weight) in Self.weights.enumerated() {
            judge.startStep(step, weight: weight, at: t)
            let end = t + Self.stepSeconds
            var nextLook = t + 1
            while t < end {
                t += -Foundation.log(max(rng.unit(), 1e-12)) / Self.rate
                let variant: Variant = rng.chance(weight / 100) ? .candidate : .baseline
                let own = variant == .candidate ? (slower, 0.005 + moreOften) : (1, 0.005)
                let failed = rng.chance(own.1) || rng.chance(world.failure(t))
                let tokens = 180 + rng.index(below: 40)
                judge.observe(
                    Observation(
                        variant: variant, latencyMs: latency.sample(&rng) * world.slowdown(t) * own.0, status: failed ? 500 : 200, failed: failed,
                        promptTokens: 120, completionTokens: failed ? 0 : tokens),
                    weight: weight, at: t)
                if t >= nextLook {
                    nextLook += 1
                    if judge.analyze(step: step, at: t, baseline: ArmMetrics(), candidate: ArmMetrics()).decision == .rollback { return true }
                }
            }
        }
        return false
    }

    func falseRollbacks(_ world: World) -> Double {
        Double((0..<Self.trials).count { rolledBack(world, seed: UInt64(7000 + $0)) }) / Double(Self.trials)
    }

    static let incident = { @Sendable (t: Double) in t >= 70 && t < 85 }

    @Test func anUpstreamIncidentThatHitsBothVersionsIsNotBlamedOnTheCandidate() {
        // Half of the last step (15 s), 30 % of all requests fail and the rest are twice as slow.
        let r = falseRollbacks(World(failure: { Self.incident($0) ? 0.3 : 0 }, slowdown: { Self.incident($0) ? 2 : 1 }))
        print("shared shift \(#function): false rollbacks \(r)")
        #expect(r <= Self.tolerance(0.05), "false rollbacks \(r)")
    }

    @Test func aDiurnalRiseInLatencyIsNotBlamedOnTheCandidate() {
        // Latency triples over the canary for everyone (the morning peak, compressed in time).
        let r = falseRollbacks(World(failure: { _ in 0 }, slowdown: { 1 + 2 * $0 / 90 }))
        print("shared shift \(#function): false rollbacks \(r)")
        #expect(r <= Self.tolerance(0.05), "false rollbacks \(r)")
    }

    @Test func aSharedDependencySlowingDownIsNotBlamedOnTheCandidate() {
        // From the second step on, a dependency both versions call makes every request 2.5× slower.
        let r = falseRollbacks(World(failure: { _ in 0 }, slowdown: { $0 >= 30 ? 2.5 : 1 }))
        print("shared shift \(#function): false rollbacks \(r)")
        #expect(r <= Self.tolerance(0.05), "false rollbacks \(r)")
    }

    @Test func aWorseCandidateIsStillCaughtThroughTheSameShifts() {
        // Comparing within steps gives up no power where it matters: ×1.5 latency, or +10 points
        // of errors, is rolled back through the incident and the diurnal rise alike.
        let incident = World(failure: { Self.incident($0) ? 0.3 : 0 }, slowdown: { Self.incident($0) ? 2 : 1 })
        let diurnal = World(failure: { _ in 0 }, slowdown: { 1 + 2 * $0 / 90 })
        for (name, world) in [("incident", incident), ("diurnal", diurnal)] {
            let slow = (0..<30).count { rolledBack(world, seed: UInt64(9000 + $0), slower: 1.5) }
            let failing = (0..<30).count { rolledBack(world, seed: UInt64(9500 + $0), moreOften: 0.1) }
            #expect(slow >= 27 && failing >= 27, "\(name): rolled back \(slow)/30 slower, \(failing)/30 failing")
        }
    }
}
