import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

/// Once an anytime-valid judge's evidence of harm is within a factor of ten of its boundary,
/// the engine looks ten times a tick, so the rollback does not wait out the tick while the
/// candidate serves; far from it, the tick is the engine's.
@Suite struct NearRollbackTickTests {
    /// The canary's observation batches, with their engine times and the weight in force.
    func canary(_ judge: JudgePolicy.Kind, latency: Double, seed: UInt64) async throws -> (RunOutcome, [RunEvent]) {
        let sim = CanarySimulation(inputs: try Harness().inputs, trials: 1, seed: seed)
        let inputs = sim.scenarioInputs(judge: judge, effect: SimulationEffect(target: .latency, amount: latency))
        let engine = Engine(inputs: inputs, clock: VirtualClock(), options: RunOptions(seed: seed, operator: "test", metricsEvery: 3600))
        let outcome = await engine.run(.canary)
        return (outcome, engine.bus.events)
    }

    /// The same requests, judged again in a fresh judge one batch at a time: after each batch,
    /// whether the engine should then have looked sooner, and the time to the next batch.
    func looks(_ events: [RunEvent], spec: CanarySpec) -> [(near: Bool, gap: Double)] {
        var judge = SequentialJudge(spec: spec)
        var pendingStep: Int?
        var step = 0
        var batches: [(t: Double, near: Bool)] = []
        for event in events {
            switch event.body {
            case .canaryStep(let s):
                pendingStep = s.index
            case .weight(let w):
                if let index = pendingStep {
                    judge.startStep(index, weight: w.to, at: event.t)
                    step = index
                    pendingStep = nil
                }
            case .observations(let batch):
                for o in batch.observations { judge.observe(o, weight: batch.weight, at: event.t) }
                let a = judge.analyze(
                    step: step, at: event.t, baseline: ArmMetrics(requests: 0, errors: 0), candidate: ArmMetrics(requests: 0, errors: 0))
                batches.append((event.t, CanaryRun.rollbackNear(a)))
            default:
                break
            }
        }
        return zip(batches, batches.dropFirst()).map { ($0.near, $1.t - $0.t) }
    }

    @Test func theSequentialJudgeLooksTenTimesATickNearItsRollbackBoundary() async throws {
        let spec = try #require(try Harness().inputs.spec.canary)
        var nearLooks = 0
        for seed: UInt64 in [3, 4, 5] {
            let (outcome, events) = try await canary(.sequential, latency: 0.25, seed: seed)
            #expect(outcome == .rolledBack)
            let gaps = looks(events, spec: spec)
            #expect(gaps.count > 5)
            for (i, look) in gaps.enumerated() {
                if look.near {
                    nearLooks += 1
                    // A tenth of a tick, or a few when a tenth brought no request.
                    #expect(look.gap < 0.5, "seed \(seed), batch \(i): near the boundary, yet \(look.gap) s to the next look")
                } else {
                    #expect(look.gap > 1 - 1e-9, "seed \(seed), batch \(i): far from the boundary, yet \(look.gap) s to the next look")
                }
            }
        }
        #expect(nearLooks >= 3, "a +25 % latency candidate comes near its boundary before it crosses it")
    }

    /// The A/A canary stays far from the boundary for almost all of its run: the faster looks
    /// cost nothing where nothing is about to happen.
    @Test func anAACanaryKeepsTheEnginesTick() async throws {
        let spec = try #require(try Harness().inputs.spec.canary)
        let (outcome, events) = try await canary(.sequential, latency: 0, seed: 5)
        #expect(outcome == .promoted)
        let gaps = looks(events, spec: spec)
        #expect(gaps.filter(\.near).isEmpty)
        #expect(gaps.allSatisfy { $0.gap > 1 - 1e-9 })
    }

    /// A judge that looks at intervals has no running evidence to be near: its ticks stay whole.
    @Test func theThresholdJudgeKeepsTheEnginesTick() async throws {
        let (outcome, events) = try await canary(.threshold, latency: 0.4, seed: 3)
        #expect(outcome == .rolledBack)
        let times = events.compactMap { e -> Double? in if case .observations = e.body { e.t } else { nil } }
        #expect(times.count > 5)
        #expect(zip(times, times.dropFirst()).allSatisfy { $1 - $0 > 1 - 1e-9 })
    }
}
