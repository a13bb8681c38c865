import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

/// A step that cannot decide before its limit says so once it has baked, and `on_stall` acts:
/// the demo's canary with one 10 % step of 30 s bake and a 90 s limit, against a candidate ×1.13
/// slower (between the p50 rollback tolerance, ×1.067, and the margin, ×1.2: too close to either
/// for 10 % of 50 requests/s to settle in time).
@Suite struct StallTests {
    func run(_ policy: JudgePolicy.OnStall, seed: UInt64 = 600) async throws -> (RunOutcome, [RunEvent]) {
        var inputs = try Harness().inputs
        inputs.spec.canary?.steps = [CanaryStep(weight: 10, bake: 30, minRequests: 50, timeout: 90)]
        inputs.spec.canary?.judge.onStall = policy
        var scenario = CanarySimulation(inputs: inputs, trials: 1, seed: seed, hold: 0)
            .scenarioInputs(judge: .sequential, effect: SimulationEffect(target: .latency, amount: 0.13))
        scenario.spec.gates = []
        let engine = Engine(inputs: scenario, clock: VirtualClock(), options: RunOptions(seed: seed, operator: "test", metricsEvery: 3600))
        let outcome = await engine.run(.canary)
        return (outcome, engine.bus.events)
    }

    func stalledAt(_ events: [RunEvent]) -> (t: Double, reason: String)? {
        events.lazy.compactMap { e in
            if case .stage(let s) = e.body, let r = s.reason, r.contains("stalled at 10%") { (e.t, r) } else { nil }
        }.first
    }

    func finished(_ events: [RunEvent]) -> (t: Double, reason: String)? {
        events.lazy.compactMap { e in if case .finished(let f) = e.body { (e.t, f.reason) } else { nil } }.last
    }

    @Test func holdSaysSoEarlyAndWaitsOutTheLimit() async throws {
        let (outcome, events) = try await run(.hold)
        let stall = try #require(stalledAt(events), "the stall is said")
        let end = try #require(finished(events))
        #expect(stall.reason.contains("no decision possible before the step's limit"))
        #expect(stall.reason.contains("on_stall: hold"))
        #expect(stall.t < end.t - 30, "said well before the limit: \(stall.t) vs \(end.t)")
        #expect(outcome == .inconclusive, "\(end.reason)")
        #expect(end.reason.contains("reached its 1m30s limit"))
    }

    @Test func rollbackSendsTrafficBackAtTheStall() async throws {
        let (outcome, events) = try await run(.rollback)
        let end = try #require(finished(events))
        #expect(outcome == .inconclusive)
        #expect(end.reason.contains("stalled at 10%") && end.reason.contains("on_stall: rollback"), "\(end.reason)")
        let weights = events.compactMap { if case .weight(let w) = $0.body { w.to } else { nil } }
        #expect(weights.last == 0)
        // Well before the 90 s limit of active time: the requests after the stall are not served.
        let started = try #require(events.first { if case .canaryStep = $0.body { true } else { false } }?.t)
        #expect(end.t - started < 80, "\(end.t - started)")
    }

    @Test func promoteIfWithinMarginAdvancesOnAnEstimateInsideTheMargin() async throws {
        let (outcome, events) = try await run(.promoteIfWithinMargin)
        let end = try #require(finished(events))
        #expect(outcome == .promoted, "\(end.reason)")
        #expect(end.reason.contains("advancing on estimates inside the margin, not on evidence"))
    }

    @Test func theCheckCountsOnlyWhatTheStepWaitsFor() {
        func result(_ metric: CanaryMetric, eta: Double?, estimate: Double = 0.1) -> MetricResult {
            MetricResult(
                metric: metric, baseline: 1, candidate: 1, limit: nil, status: .undecided, consecutiveFailures: 0,
                evidence: MetricEvidence(
                    scale: "log-ratio", estimate: estimate, lower: 0, upper: 0.3, margin: 0.18, evidence: 1, boundary: 3, nBaseline: 100,
                    nCandidate: 10, eta: eta, leaning: "harm", tolerance: 0.06))
        }
        var quality = MetricCheck(metric: .quality, maxDecrease: 0.05)
        quality.require = SuccessRequirement.none
        let checks = [MetricCheck(metric: .latencyP50, maxRatio: 1.2), quality]
        func analysis(_ results: [MetricResult]) -> CanaryAnalysis {
            CanaryAnalysis(step: 0, results: results, decision: .continue, reason: "", judge: "sequential", ready: false)
        }
        // In time: no stall. Too late, or never: a stall, inside the margin or past it.
        #expect(StallCheck.assess(analysis([result(.latencyP50, eta: 30)]), checks: checks, secondsLeft: 60) == nil)
        let late = StallCheck.assess(analysis([result(.latencyP50, eta: 300)]), checks: checks, secondsLeft: 60)
        #expect(late?.metrics == [.latencyP50] && late?.withinMargin == true)
        #expect(late?.reason.contains("latency_p50 (~5m more)") == true, "\(late?.reason ?? "")")
        let never = StallCheck.assess(analysis([result(.latencyP50, eta: nil, estimate: 0.25)]), checks: checks, secondsLeft: 60)
        #expect(never?.withinMargin == false)
        // A success metric with no requirement never holds a step up, so it never stalls one.
        #expect(StallCheck.assess(analysis([result(.quality, eta: nil)]), checks: checks, secondsLeft: 60) == nil)
    }
}
