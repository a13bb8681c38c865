import Foundation
import Testing

@testable import RampartCore

/// The one fold over a run's events: what every front end reads.
struct RunStateTests {
    static let samples = [
        "blocked-injection", "clean-promotion", "inconclusive-promoted", "nginx-prometheus", "operator-rollback", "rollback-latency",
    ]

    /// Each recorded run: stages in pipeline order, the outcome the file recorded, and traffic
    /// where a finished canary must leave it (100 % promoted, 0 % otherwise).
    @Test(arguments: samples)
    func aRecordedRunFoldsToItsRecordedEnd(_ name: String) throws {
        let recording = try RunFileCodec.read(file: Paths.repository + "/sample-runs/\(name).jsonl")
        let run = RunState(events: recording.events)
        let finished = try #require(run.finished)
        #expect(finished.outcome == recording.outcome?.outcome)
        #expect(run.stages.first == StageName.build && run.stages.last == StageName.promote, "\(run.stages)")
        if let canary = run.stages.firstIndex(of: StageName.canary) {
            #expect(run.stages[..<canary].allSatisfy { $0 == StageName.build || $0.hasPrefix("gate") }, "\(run.stages)")
        }
        #expect(run.weight == (finished.outcome == .promoted ? 100 : 0))
        #expect(run.engineTime == recording.events.last?.t)
        #expect(run.gateOrder.count == recording.events.filter { if case .gate = $0.body { true } else { false } }.count)
        #expect(!run.canaryLive)
    }

    @Test func pausedTimeDoesNotBakeAndAStepStartsItsOwnClock() {
        let steps = [CanaryStep(weight: 10, bake: 60), CanaryStep(weight: 50, bake: 120)]
        var run = RunState()
        run.apply(
            RunEvent(
                t: 0,
                .runStarted(
                    RunStarted(
                        pipeline: "p", baseline: "b", candidate: "c", stages: ["build", "canary", "promote"], seed: 1, operator: "o",
                        canarySteps: steps))))
        run.apply(RunEvent(t: 5, .stage(StageChange(stage: StageName.canary, state: .running))))
        run.apply(RunEvent(t: 5, .canaryStep(CanaryStepStarted(index: 0, count: 2, step: steps[0]))))
        run.apply(RunEvent(t: 5, .weight(WeightChange(from: 0, to: 10, reason: "step 1 of 2"))))
        run.apply(RunEvent(t: 15, .stage(StageChange(stage: StageName.canary, state: .paused, reason: "by ada"))))
        run.apply(RunEvent(t: 45, .stage(StageChange(stage: StageName.canary, state: .running))))
        run.apply(RunEvent(t: 50, .metrics(MetricsSnapshot(step: 0, weight: 10, baseline: ArmMetrics(), candidate: ArmMetrics(), candidateTotal: 7))))
        #expect(run.baked == 15, "5 s to the pause, 5 s after it; the 30 paused seconds do not count")
        #expect(run.eta?.step == 45 && run.eta?.total == 165)
        #expect(run.candidateTotal == 7 && run.weight == 10 && run.canaryLive)
        run.apply(RunEvent(t: 60, .canaryStep(CanaryStepStarted(index: 1, count: 2, step: steps[1]))))
        #expect(run.baked == 0 && run.currentStep == 1)
        run.apply(RunEvent(t: 61, .stage(StageChange(stage: StageName.canary, state: .passed))))
        #expect(run.duration(of: StageName.canary) == 56)
        #expect(run.duration(of: StageName.build) == nil, "a stage that never ran has no duration")
        #expect(run.stages == ["build", "canary", "promote"])
    }

    @Test func aStageTheAnnouncementMissedComesWhereItFirstAppears() {
        var run = RunState()
        run.apply(
            RunEvent(
                t: 0, .runStarted(RunStarted(pipeline: "p", baseline: "b", candidate: "c", stages: ["build", "promote"], seed: 1, operator: "o"))))
        run.apply(RunEvent(t: 1, .stage(StageChange(stage: "gate:extra", state: .running))))
        #expect(run.stages == ["build", "promote", "gate:extra"])
        #expect(run.stageStates["build"] == .pending && run.stageStates["gate:extra"] == .running)
    }
}
