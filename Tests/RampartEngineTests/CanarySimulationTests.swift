import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `rampart simulate` that cannot flatter: the spec's hold and quality sampling as written,
/// every trial reported with the seed that replays it, and seeds that two calls never share.
@Suite struct CanarySimulationTests {
    @Test func twoCallsShareNoTrialAndEachTrialIsListedWithItsSeed() async throws {
        let one = (0..<200).map { CanarySimulation.trialSeed(1, $0) }
        let two = (0..<200).map { CanarySimulation.trialSeed(2, $0) }
        #expect(Set(one).count == 200 && Set(two).count == 200)
        #expect(Set(one).isDisjoint(with: two), "seed + i would share 199 of 200")
        #expect(one == (0..<200).map { CanarySimulation.trialSeed(1, $0) }, "the same call, the same trials")

        let sim = CanarySimulation(inputs: try Harness().inputs, trials: 3, seed: 9)
        let row = await sim.run(judge: .threshold, effect: SimulationEffect(target: .latency, amount: 0.5))
        #expect(row.runs.map(\.seed) == (0..<3).map { CanarySimulation.trialSeed(9, $0) }, "in trial order")
        let served = row.runs.map { Double($0.candidateRequests) }.sorted()
        #expect(row.medianRequestsServed == served[1])
        #expect(row.medianSeconds == row.runs.map(\.seconds).sorted()[1])
        #expect(row.runs.allSatisfy { ($0.outcome == .rolledBack) == ($0.blamed != nil) })
        // A listed seed replays its trial: the same engine, the same end.
        let first = try #require(row.runs.first)
        let engine = Engine(
            inputs: sim.scenarioInputs(judge: .threshold, effect: SimulationEffect(target: .latency, amount: 0.5)), clock: VirtualClock(),
            options: RunOptions(seed: first.seed, operator: "simulate", metricsEvery: 3600))
        let outcome = await engine.run(.canary)
        #expect(outcome == first.outcome)
        let trial = try #require(Trial(engine.bus.events))
        #expect(trial.candidateRequests == first.candidateRequests)
    }

    /// A step that ends inconclusive waits out the spec's hold, and those requests count: the
    /// exposure of a canary nobody attends to. `hold: 0` ends it at the limit.
    @Test func anInconclusiveStepServesThroughTheSpecsHold() async throws {
        var inputs = try Harness().inputs
        inputs.spec.canary?.steps = [CanaryStep(weight: 10, bake: 30, minRequests: 5_000, timeout: 60)]
        inputs.spec.canary?.judge.hold = 45
        let effect = SimulationEffect(target: .latency, amount: 0.1)
        let live = await CanarySimulation(inputs: inputs, trials: 2, seed: 3).run(judge: .sequential, effect: effect)
        let ended = await CanarySimulation(inputs: inputs, trials: 2, seed: 3, hold: 0).run(judge: .sequential, effect: effect)
        // 5,000 candidate requests cannot come at 10 % of 50 per second within the limit or the hold.
        #expect(live.inconclusive == 2 && ended.inconclusive == 2)
        for (held, not) in zip(live.runs, ended.runs) {
            #expect(held.seconds >= not.seconds + 45 - 1e-6, "\(held.seconds) vs \(not.seconds)")
            #expect(held.candidateRequests > not.candidateRequests)
        }
    }

    /// In-process traffic scores the share of answers the proxy would (`quality_sample`), from a
    /// stream of its own: the same requests, fewer scores.
    @Test func inProcessTrafficScoresTheSpecsShareOfAnswers() async throws {
        func observations(sample: Double) async throws -> [Observation] {
            var inputs = try Harness().inputs
            inputs.spec.canary?.proxy.qualitySample = sample
            inputs.spec.canary?.steps = [CanaryStep(weight: 50, bake: 30, minRequests: 10)]
            var scenario = CanarySimulation(inputs: inputs, trials: 1, seed: 4).scenarioInputs(judge: .threshold, effect: nil)
            scenario.spec.gates = []
            let engine = Engine(inputs: scenario, clock: VirtualClock(), options: RunOptions(seed: 4, operator: "test", metricsEvery: 3600))
            _ = await engine.run(.canary)
            return engine.bus.events.flatMap { e -> [Observation] in if case .observations(let b) = e.body { b.observations } else { [] } }
        }
        let all = try await observations(sample: 1)
        let half = try await observations(sample: 0.5)
        let none = try await observations(sample: 0)
        #expect(all.count == half.count && half.count == none.count, "sampling draws from its own stream: the traffic is the same")
        let answered = all.filter { !$0.failed }.count
        #expect(all.filter { $0.quality != nil }.count == answered)
        #expect(none.allSatisfy { $0.quality == nil })
        let scored = Double(half.filter { $0.quality != nil }.count)
        let sd = (Double(answered) * 0.25).squareRoot()
        #expect(abs(scored - Double(answered) / 2) < 4 * sd, "\(scored) of \(answered) scored at 0.5")
    }

    /// `mirror` in process: a share of baseline prompts answered by the candidate too, scored in
    /// pairs; the shadows serve no user, so they are in no arm's requests, only in the baseline
    /// arm's mirrored count and cost.
    @Test func mirroredPromptsJudgeQualityInPairsAndServeNoUser() async throws {
        var inputs = try Harness().inputs
        inputs.spec.canary?.proxy.mirror = 0.3
        var scenario = CanarySimulation(inputs: inputs, trials: 1, seed: 12)
            .scenarioInputs(judge: .sequential, effect: SimulationEffect(target: .quality, amount: 0.15))
        scenario.spec.gates = []
        let engine = Engine(inputs: scenario, clock: VirtualClock(), options: RunOptions(seed: 12, operator: "test", metricsEvery: 1))
        let outcome = await engine.run(.canary)
        let events = engine.bus.events
        let observations = events.flatMap { e -> [Observation] in if case .observations(let b) = e.body { b.observations } else { [] } }
        let shadows = observations.filter { $0.shadow != nil }
        #expect(!shadows.isEmpty && shadows.allSatisfy { $0.variant == .baseline && $0.quality != nil })
        let baseline = observations.filter { $0.variant == .baseline }.count
        let share = Double(shadows.count) / Double(baseline)
        #expect(abs(share - 0.3) < 4 * (0.3 * 0.7 / Double(baseline)).squareRoot(), "\(shadows.count) of \(baseline) mirrored")
        let end = try #require(events.compactMap { if case .finished(let f) = $0.body { f } else { nil } }.last)
        #expect(outcome == .rolledBack && end.reason.contains("mirrored prompts"), "\(end.reason)")
        let step = try #require(events.compactMap { if case .metrics(let m) = $0.body { m } else { nil } }.last)
        #expect((step.baseline.mirrored ?? 0) > 0 && (step.baseline.mirrorCost ?? 0) > 0 && step.candidate.mirrored == nil)
        #expect(step.candidateTotal == observations.filter { $0.variant == .candidate }.count, "shadows add nothing to the blast radius")
    }
}
