import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

struct EngineTests {
    @Test func aHealthyCandidateIsPromotedThroughEveryStep() async throws {
        let r = try await Harness().run()
        #expect(r.outcome == .promoted)
        #expect(r.steps.count == 3)
        #expect(r.weights.map(\.to) == [10, 25, 50, 100])
        #expect(r.stageStates(StageName.build) == [.running, .passed])
        #expect(r.stageStates(StageName.gate("golden-similarity")) == [.running, .passed])
        #expect(r.stageStates(StageName.canary) == [.running, .passed])
        #expect(r.stageStates(StageName.promote) == [.running, .passed])
        #expect(r.finished?.outcome == .promoted)
        if case .runStarted(let s) = r.events.first?.body {
            #expect(s.stages == ["build", "gate:golden-similarity", "gate:guardrails", "gate:prompt-injection", "gate:tone", "canary", "promote"])
        } else {
            Issue.record("the first event must be run_started")
        }
        if case .finished = r.events.last?.body {} else { Issue.record("the last event must be finished") }
        // Every step baked at least its bake time on the engine clock.
        let starts = r.steps.map(\.t)
        for (a, b) in zip(starts, starts.dropFirst()) { #expect(b - a >= 30 - 1e-9, "\(b) - \(a)") }  // times are sums of ticks
    }

    @Test func aSlowerCandidateIsRolledBackAutomatically() async throws {
        let r = try await Harness(example: "degraded.yaml").run()
        #expect(r.outcome == .rolledBack)
        #expect(r.finalWeight == 0)
        #expect(r.stageStates(StageName.canary).last == .failed)
        #expect(r.stageStates(StageName.promote) == [.skipped])
        #expect(r.finished?.reason.contains("latency_p") == true)
        let rollback = r.events.compactMap { if case .analysis(let a) = $0.body, a.decision == .rollback { a } else { nil } }
        #expect(rollback.count == 1)
        #expect(rollback[0].results.contains { $0.status == .breach })
    }

    @Test func aFailingGateBlocksAndNotifies() async throws {
        let dir = Paths.temporaryDirectory()
        let log = (dir as NSString).appendingPathComponent("notify/outcomes.jsonl")
        var h = try Harness(example: "blocked.yaml")
        h.inputs.spec.notify = [NotifySpec(kind: .file(path: log), on: [.blocked])]
        let r = await h.run()
        #expect(r.outcome == .blocked)
        #expect(r.stageStates(StageName.gate("prompt-injection")) == [.running, .failed])
        // The other gates still ran, so the developer sees every verdict at once.
        #expect(r.stageStates(StageName.gate("guardrails")) == [.running, .passed])
        #expect(r.stageStates(StageName.canary) == [.skipped])
        #expect(r.weights.isEmpty)
        let sent = r.events.compactMap { if case .notification(let n) = $0.body { n } else { nil } }
        #expect(sent.count == 1 && sent[0].delivered)
        let line = try String(contentsOfFile: log, encoding: .utf8)
        #expect(line.contains(#""outcome":"blocked""#))
        #expect(line.contains("prompt-injection"))
    }

    @Test func notificationsOnlyFireForTheirOutcomes() async throws {
        let log = (Paths.temporaryDirectory() as NSString).appendingPathComponent("n.jsonl")
        var h = try Harness()
        h.inputs.spec.notify = [NotifySpec(kind: .file(path: log), on: [.blocked, .rolledBack])]
        let r = await h.run()
        #expect(r.outcome == .promoted)
        #expect(!FileManager.default.fileExists(atPath: log))
    }

    @Test func aFailedNotificationIsReportedButDoesNotChangeTheOutcome() async throws {
        var h = try Harness(example: "blocked.yaml")
        h.inputs.spec.notify = [NotifySpec(kind: .command(run: "echo boom >&2; exit 7", timeout: 60), on: [])]
        let r = await h.run()
        #expect(r.outcome == .blocked)
        let sent = r.events.compactMap { if case .notification(let n) = $0.body { n } else { nil } }
        #expect(sent.first?.delivered == false)
        #expect(sent.first?.error == "exit 7: boom")
    }

    @Test func aPauseHoldsTheWeightAndStopsTheBakeClock() async throws {
        var h = try Harness()
        h.schedule = [
            ScheduledCommand(at: 10, command: OperatorCommand(.pause, operator: "ada", reason: "checking a ticket")),
            ScheduledCommand(at: 610, command: OperatorCommand(.resume, operator: "ada")),
        ]
        let r = await h.run()
        #expect(r.outcome == .promoted)
        #expect(r.stageStates(StageName.canary) == [.running, .paused, .running, .passed])
        // Step 1 bakes 30 s; 10 s passed before the pause, 600 s paused, so step 2 starts at 630 s or later.
        let step2 = try #require(r.steps.dropFirst().first)
        #expect(step2.t >= 630)
        // No weight change while paused.
        let changes = r.events.filter { if case .weight = $0.body { true } else { false } }.map(\.t)
        #expect(!changes.contains { $0 > 10 && $0 < 610 })
        #expect(r.operatorActions.map(\.command.kind) == [.pause, .resume])
        #expect(r.operatorActions[0].command.reason == "checking a ticket")
    }

    @Test func anOperatorRollbackWinsOverAHealthyCanary() async throws {
        var h = try Harness()
        let t2 = try #require(await h.run().steps.dropFirst().first?.t)
        h.schedule = [ScheduledCommand(at: t2 + 15, command: OperatorCommand(.rollback, operator: "grace", reason: "support tickets spiking"))]
        let r = await h.run()
        #expect(r.outcome == .rolledBack)
        #expect(r.finalWeight == 0)
        #expect(r.finished?.reason == "rolled back by grace at step 2: support tickets spiking")
        let action = try #require(r.operatorActions.first)
        #expect(action.accepted)
        #expect(action.command.operator == "grace")
        #expect(action.note.contains("rolling back from 25%"))
    }

    @Test func promoteAdvancesAndPromoteFullyFinishes() async throws {
        var h = try Harness()
        h.schedule = [
            ScheduledCommand(at: 3, command: OperatorCommand(.promote, operator: "ada")),
            ScheduledCommand(at: 6, command: OperatorCommand(.promoteFully, operator: "ada", reason: "urgent fix")),
        ]
        let r = await h.run()
        #expect(r.outcome == .promoted)
        #expect(r.weights.map(\.to) == [10, 25, 100])
        #expect(r.finished?.reason == "promoted fully by ada at step 2: urgent fix")
        #expect(r.clock.now() < 10)
    }

    @Test func commandsBeforeTheCanaryStopOrAreRefusedVisibly() async throws {
        var h = try Harness()
        h.schedule = [
            ScheduledCommand(at: 0, command: OperatorCommand(.pause, operator: "ada")),
            ScheduledCommand(at: 0, command: OperatorCommand(.rollback, operator: "ada", reason: "wrong branch")),
        ]
        let r = await h.run()
        #expect(r.outcome == .aborted)
        #expect(r.operatorActions.map(\.accepted) == [false, true])
        #expect(r.operatorActions[0].note == "the canary has not started")
        #expect(r.weights.isEmpty)
        #expect(r.stageStates(StageName.canary) == [.skipped])
    }

    @Test func abortDuringTheCanaryReturnsTrafficToTheBaseline() async throws {
        var h = try Harness()
        h.schedule = [ScheduledCommand(at: 20, command: OperatorCommand(.abort, operator: "ada", reason: "interrupted (SIGINT)"))]
        let r = await h.run()
        #expect(r.outcome == .aborted)
        #expect(r.finalWeight == 0)
    }

    @Test func aStepThatCannotGatherEnoughRequestsEndsInconclusive() async throws {
        let h = try Harness { spec in
            spec.canary!.steps[0] = CanaryStep(weight: 5, bake: 30, minRequests: 1_000_000, timeout: 120)
            spec.canary!.judge.onInconclusive = .rollback
        }
        let r = await h.run()
        #expect(r.outcome == .inconclusive)
        #expect(r.finalWeight == 0)
        #expect(r.finished?.reason.contains("only") == true)
        #expect(abs(r.clock.now() - 120) < 1.5)
    }

    @Test func anInconclusiveStepWaitsForAHumanWhoPromotes() async throws {
        var h = try Harness { spec in
            spec.canary!.steps[0] = CanaryStep(weight: 5, bake: 30, minRequests: 1_000_000, timeout: 120)
            spec.canary!.judge.hold = 600
        }
        h.schedule = [ScheduledCommand(at: 300, command: OperatorCommand(.promote, operator: "oncall", reason: "low traffic hour; looks fine"))]
        let r = await h.run()
        #expect(r.outcome == .promoted)
        #expect(r.stageStates(StageName.canary).contains(.paused))
        let paused = r.events.compactMap { if case .stage(let s) = $0.body, s.state == .paused { s.reason } else { nil } }
        #expect(paused.first?.contains("holding at 5% for a human") == true)
        #expect(r.operatorActions.first?.command.operator == "oncall")
        #expect(r.operatorActions.first?.accepted == true)
    }

    @Test func anInconclusiveStepNobodyDecidesEndsInconclusiveAfterTheHold() async throws {
        let h = try Harness { spec in
            spec.canary!.steps[0] = CanaryStep(weight: 5, bake: 30, minRequests: 1_000_000, timeout: 120)
            spec.canary!.judge.hold = 300
        }
        let r = await h.run()
        #expect(r.outcome == .inconclusive)
        #expect(r.finalWeight == 0)
        #expect(r.finished?.reason.contains("no one decided within 5m") == true)
        #expect(abs(r.clock.now() - 420) < 1.5)
    }

    @Test func eachJudgePromotesTheDemoAndRollsBackTheDegradedCandidate() async throws {
        for kind in JudgePolicy.Kind.allCases {
            let good = await (try Harness { $0.canary!.judge.kind = kind }).run()
            #expect(good.outcome == .promoted, "\(kind) on the demo: \(good.finished?.reason ?? "")")
            let bad = await (try Harness(example: "degraded.yaml") { $0.canary!.judge.kind = kind }).run()
            #expect(bad.outcome == .rolledBack, "\(kind) on degraded: \(bad.finished?.reason ?? "")")
            let analyses = bad.events.compactMap { if case .analysis(let a) = $0.body { a } else { nil } }
            #expect(analyses.allSatisfy { $0.judge == kind.rawValue })
            if kind == .sequential {
                let last = try #require(analyses.last)
                let breach = try #require(last.results.first { $0.status == .breach })
                let e = try #require(breach.evidence)
                #expect(e.lower > (e.tolerance ?? e.margin), "the reason is in the numbers")
            }
        }
    }

    @Test func aThirtyMinuteCanaryRunsOnTheVirtualClock() async throws {
        let h = try Harness { spec in
            spec.canary!.steps = [CanaryStep(weight: 10, bake: 600), CanaryStep(weight: 30, bake: 600), CanaryStep(weight: 60, bake: 600)]
            spec.canary!.traffic.rate = 5
        }
        let r = await h.run()
        #expect(r.outcome == .promoted)
        #expect(r.clock.now() >= 1800)
    }

    @Test func aFailingBuildBlocksBeforeAnyGate() async throws {
        let h = try Harness { spec in
            spec.build = [BuildStepSpec(name: "compile", run: "echo compiling; echo 'syntax error' >&2; exit 3", timeout: 60)]
        }
        let r = await h.run()
        #expect(r.outcome == .blocked)
        #expect(r.finished?.reason == "build step 'compile' exited 3")
        let step = r.events.compactMap { if case .buildStep(let b) = $0.body { b } else { nil } }.first
        #expect(step?.output == ["compiling", "syntax error"])
        #expect(r.stageStates(StageName.gate("golden-similarity")) == [.skipped])
    }

    @Test func aHangingBuildStepIsKilledAtItsTimeout() async throws {
        let h = try Harness { spec in
            spec.build = [BuildStepSpec(name: "hang", run: "exec sleep 30", timeout: 0.3)]
        }
        let r = await h.run()
        #expect(r.outcome == .blocked)
        let step = r.events.compactMap { if case .buildStep(let b) = $0.body { b } else { nil } }.first
        #expect(step?.timedOut == true)
        #expect(r.finished?.reason == "build step 'hang' timed out after 300ms")
    }

    @Test func theSameSeedRecordsTheSameEvents() async throws {
        func strip(_ events: [RunEvent]) -> [RunEvent] {
            events.map { e in
                guard case .buildStep(var b) = e.body else { return e }
                b.duration = 0  // wall-clock time of real commands
                return RunEvent(t: e.t, .buildStep(b))
            }
        }
        let a = try await Harness().run(), b = try await Harness().run()
        #expect(strip(a.events) == strip(b.events))
        var other = try Harness()
        other.seed = 43
        #expect(strip(await other.run().events) != strip(a.events))
    }

    @Test func aGatesOnlyPipelinePromotesAfterItsGates() async throws {
        let r = try await Harness { $0.canary = nil }.run()
        #expect(r.outcome == .promoted)
        #expect(r.stageStates(StageName.canary) == [.skipped])
        #expect(r.weights.map(\.to) == [100])
    }
}

struct SecretRedactionTests {
    @Test func aBuildStepThatPrintsAKeyDoesNotPutItInTheRecording() async throws {
        setenv("RAMPART_TEST_DEPLOY_TOKEN", "tok-0123456789abcdef", 1)
        setenv("RAMPART_TEST_JUDGE_CREDENTIAL", "cred-abcdefgh12345678", 1)
        var h = try Harness { spec in
            spec.build = [BuildStepSpec(name: "leaky", run: "echo token=$RAMPART_TEST_DEPLOY_TOKEN cred=$RAMPART_TEST_JUDGE_CREDENTIAL", timeout: 60)]
            spec.judge = JudgeSpec(
                endpoint: EndpointSpec(baseURL: "http://127.0.0.1:9/v1", model: "m", apiKeyEnv: "RAMPART_TEST_JUDGE_CREDENTIAL"), rubric: "r")
            spec.canary = nil
        }
        h.seed = 42
        let r = await h.run()
        let lines = try r.events.map { try RunFileCodec.line(event: $0) }.joined(separator: "\n")
        #expect(!lines.contains("tok-0123456789abcdef"))
        #expect(!lines.contains("cred-abcdefgh12345678"))
        #expect(lines.contains("token=[REDACTED] cred=[REDACTED]"))
    }

    @Test func shortOrUnrelatedValuesAreLeftAlone() {
        let r = Redactor(environment: ["DEBUG_KEY": "1", "HOME": "/root/somewhere-long", "API_TOKEN": "abcdefgh-123"], named: [])
        #expect(r.redact("home /root/somewhere-long debug 1 token abcdefgh-123") == "home /root/somewhere-long debug 1 token [REDACTED]")
    }
}
