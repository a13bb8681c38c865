import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `rampart simulate --incident`: an upstream incident that hits both versions at once, in the
/// demo's own canary on the virtual clock. The judge compares the arms within each step and the
/// evidence guard holds the ramp through a partial shared failure, so an A/A canary is not rolled
/// back for it; an incident that outlasts the guard's patience, or a harmful candidate, still is.
@Suite struct SharedIncidentSimulationTests {
    func demo(_ edit: (inout PipelineSpec) -> Void = { _ in }) throws -> PipelineInputs {
        var inputs = try Harness().inputs
        edit(&inputs.spec)
        return inputs
    }

    /// Half of the last step (it starts near 1m15s on the demo's traffic): 30 % of all requests
    /// fail and the rest take twice as long.
    static let incident = SharedIncident(failure: 0.3, start: 75, duration: 15, slowdown: 2)

    @Test func anAACanaryIsNotRolledBackForAnIncidentBothVersionsSuffer() async throws {
        let sim = CanarySimulation(inputs: try demo(), trials: 6, seed: 500, incidents: [Self.incident])
        let row = await sim.run(judge: .sequential, effect: nil)
        #expect(row.scenario == "none, incident 30%x2@1m15s+15s")
        #expect(row.trials == 6 && row.rolledBack == 0, "\(row.rollbacksBy)")
        #expect(row.promoted == 6)
        // The same incident does not hide a harmful candidate.
        let harmful = await sim.run(judge: .sequential, effect: SimulationEffect(target: .latency, amount: 0.5))
        #expect(harmful.rolledBack == 6)
        // Every trial rolled back, so exposure over all trials is exposure before the rollbacks.
        #expect(harmful.medianRequestsServed == harmful.medianRequestsBeforeRollback && harmful.medianRequestsServed != nil)
        #expect((harmful.p90RequestsServed ?? 0) >= (harmful.medianRequestsServed ?? .infinity))
        #expect(harmful.rollbacksBy.keys.allSatisfy { $0.hasPrefix("latency") }, "blamed on its latency: \(harmful.rollbacksBy)")
    }

    @Test func anIncidentThatOutlastsThePatienceRollsBackOnBrokenEvidence() async throws {
        // Patience 20s against an incident of a minute: the guard gives up and says why.
        let inputs = try demo { $0.canary?.evidenceGuard.patience = 20 }
        var options = RunOptions(seed: 501, operator: "test", metricsEvery: 3600)
        options.incidents = [SharedIncident(failure: 0.4, start: 40, duration: 60)]
        var scenario = CanarySimulation(inputs: inputs, trials: 1, seed: 501).scenarioInputs(judge: .sequential, effect: nil)
        scenario.spec.gates = []
        let engine = Engine(inputs: scenario, clock: VirtualClock(), options: options)
        let outcome = await engine.run(.canary)
        let finished = engine.bus.events.compactMap { if case .finished(let f) = $0.body { f } else { nil } }.last
        #expect(outcome == .rolledBack)
        #expect(finished?.reason.contains("EVIDENCE BROKEN") == true && finished?.reason.contains("both arms fail above 20%") == true)
        #expect(finished?.reason.contains("for 20s (patience 20s)") == true, "\(finished?.reason ?? "")")
        let held = engine.bus.events.contains {
            if case .stage(let s) = $0.body, s.reason?.contains("a shared incident? rolling back if it lasts 20s") == true { true } else { false }
        }
        #expect(held)
    }

    /// The threshold judge decides on point estimates of the step's summaries: an incident's
    /// requests in them (both arms failing at 30 %) are mostly noise, which two analyses in a row
    /// past a limit turn into a false rollback. It decides on the step without them: the ticks in
    /// which the baseline itself failed, and the intervals the guard found broken.
    @Test func theThresholdJudgeDecidesOnTheStepWithoutTheIncident() async throws {
        let inputs = try demo()
        var options = RunOptions(seed: 502, operator: "test", metricsEvery: 3600)
        options.incidents = [SharedIncident(failure: 0.3, start: 12, duration: 15)]
        var scenario = CanarySimulation(inputs: inputs, trials: 1, seed: 502).scenarioInputs(judge: .threshold, effect: nil)
        scenario.spec.gates = []
        let engine = Engine(inputs: scenario, clock: VirtualClock(), options: options)
        _ = await engine.run(.canary)
        // Every request of the first step (30 s), as the dashboard counts them, and the candidate's
        // error rate the judge decided on at the step's last analysis.
        var step = -1
        var served = [0, 0], failed = [0, 0]
        var judged: Double?
        for event in engine.bus.events {
            switch event.body {
            case .canaryStep(let s): step = s.index
            case .observations(let batch) where step == 0:
                for o in batch.observations where !o.isClientError {
                    let arm = o.variant == .baseline ? 0 : 1
                    served[arm] += 1
                    if o.failed { failed[arm] += 1 }
                }
            case .analysis(let a) where a.step == 0:
                judged = a.results.first { $0.metric == .errorRate }?.candidate
            default: break
            }
        }
        #expect(step > 0, "the A/A canary went past its first step")
        let baselineRate = Double(failed[0]) / Double(served[0]), candidateRate = Double(failed[1]) / Double(served[1])
        #expect(baselineRate > 0.05 && candidateRate > 0.05, "the incident is in the step: \(failed) of \(served) failed")
        // The demo's versions fail 0.5 % of the time; the judge saw about that, not the incident's 30 %.
        let seen = try #require(judged)
        #expect(seen < 0.03, "the threshold judge saw a candidate error rate of \(seen)")
    }

    /// `replay --judge threshold` re-judges a recording as the engine judged it live, incident
    /// and all: where the live judge promoted through the incident, so does the re-judging.
    @Test func reJudgingARecordingLeavesTheIncidentOutAsTheEngineDid() async throws {
        var scenario = CanarySimulation(inputs: try demo(), trials: 1, seed: 503).scenarioInputs(judge: .threshold, effect: nil)
        scenario.spec.gates = []
        let spec = try #require(scenario.spec.canary)
        var compared = 0
        for seed in UInt64(600)..<UInt64(630) {
            var options = RunOptions(seed: seed, operator: "test", metricsEvery: 3600)
            options.incidents = [SharedIncident(failure: 0.3, start: 12, duration: 15)]
            let engine = Engine(inputs: scenario, clock: VirtualClock(), options: options)
            let outcome = await engine.run(.canary)
            let events = engine.bus.events
            let recorded = WhatIf.recordedDecisions(events)
            let again = WhatIf.firstDifference(events, spec: spec, recorded: recorded)
            switch outcome {
            case .promoted:
                #expect(again == nil, "seed \(seed): promoted live, re-judged: \(again?.reason ?? "")")
                compared += 1
            case .rolledBack:
                let live = try #require(recorded.last)
                #expect(again?.kind == .rollback && again.map { abs($0.t - live.t) < 1e-9 } == true, "seed \(seed)")
                compared += 1
            default:
                break
            }
        }
        #expect(compared >= 25)
    }

    @Test func incidentsParseAsWritten() {
        #expect(SharedIncident.parse("30%@70s+15s") == SharedIncident(failure: 0.3, start: 70, duration: 15))
        #expect(SharedIncident.parse("100%x2.5@1m+1m30s") == SharedIncident(failure: 1, start: 60, duration: 90, slowdown: 2.5))
        for bad in ["30@70s+15s", "30%@70s", "30%@70s+0s", "130%@1s+1s", "30%x0.5@1s+1s", "30%@-1s+1s", "30%@1e300s+1s", ""] {
            #expect(SharedIncident.parse(bad) == nil, "\(bad)")
        }
        #expect(SharedIncident(failure: 0.3, start: 75, duration: 15, slowdown: 2).description == "incident 30%x2@1m15s+15s")
    }

    @Test func thePatienceIsReadFromTheSpec() throws {
        func parse(_ guardSettings: String) throws -> PipelineSpec {
            try SpecLoader.parse(
                """
                format: 1
                name: p
                baseline: { provider: sim, model: m, version: "1" }
                candidate: { provider: sim, model: m, version: "2" }
                canary:
                  traffic: { source: sim, rate: 10, dataset: data/golden.jsonl }
                  evidence_guard: \(guardSettings)
                  steps: [ { weight: 10, bake: 30s } ]
                  metrics: [ { metric: error_rate, max_increase: 0.01 } ]

                """, file: "p.yaml", directory: Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs", kinds: RunAssembly.kinds)
        }
        #expect(try parse("{ patience: 45s }").canary?.evidenceGuard.patience == 45)
        #expect(try parse("on").canary?.evidenceGuard.patience == 120)
        #expect(throws: InvalidInput.self) { try parse("{ patience: 2d }") }
        do {
            _ = try parse("{ patience: 25h }")
            Issue.record("25h accepted")
        } catch {
            #expect("\(error)".contains("canary.evidence_guard.patience"), "\(error)")
        }
    }
}
