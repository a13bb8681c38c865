import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

/// Rolling back a promotion after its run ended: the run's router, rebuilt from its spec, sends
/// traffic back to the baseline and the run file records who and why. Everything that would make
/// the rollback act on something else than what the run promoted is refused with nothing touched.
struct PromotionRollbackTests {
    /// A finished run on disk: its spec (a file router whose flag the promotion left at 100 %,
    /// a file notification channel), its run file, and a folder for locks.
    struct Fixture {
        let dir = Paths.temporaryDirectory()
        var spec: String { dir + "/spec.yaml" }
        var flag: String { dir + "/flags.json" }
        var runs: String { dir + "/runs" }
        var runFile: String { runs + "/20261201T100000Z-p.jsonl" }
        var locks: String { dir + "/live" }
        var notifications: String { dir + "/notifications.jsonl" }
        static let start = "2026-12-01T10:00:00Z"

        init(router: String? = nil, outcome: RunOutcome = .promoted) throws {
            let routerYAML = router ?? "{ kind: file, path: \(flag) }"
            let yaml = """
                format: 1
                name: p
                baseline: { provider: sim, model: m, version: "1" }
                candidate: { provider: sim, model: m, version: "2" }
                canary:
                  router: \(routerYAML)
                  traffic: { source: sim, rate: 20, dataset: \(Paths.example("datasets/golden.jsonl")) }
                  steps:
                    - { weight: 50, bake: 30s }
                  metrics:
                    - { metric: error_rate, max_increase: 0.05 }
                notify:
                  - { kind: file, path: \(notifications) }
                """
            try yaml.write(toFile: spec, atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(atPath: runs, withIntermediateDirectories: true)
            try Self.setFlag(flag, to: outcome == .promoted ? 100 : 0)
            try write(runFile, startedAt: Self.start, outcome: outcome, moved: true)
        }

        static func setFlag(_ path: String, to w: Double) throws {
            try FlagDocument(canaryWeight: w, baseline: "m@1", candidate: "m@2", updatedAt: start).encoded().withUnsafeBytes {
                try Data($0).write(to: URL(fileURLWithPath: path))
            }
        }

        func write(_ path: String, startedAt: String, outcome: RunOutcome?, moved: Bool) throws {
            let sha = try RunAssembly.load(file: spec).specSHA256
            let v = { (version: String) in
                VariantRecord(provider: "sim", model: "m", version: version, promptTemplateSHA256: nil, guardrailsSHA256: nil)
            }
            let header = RunHeader(
                pipeline: "p", specFile: spec, specSHA256: sha, baseline: v("1"), candidate: v("2"), git: nil, operator: "ada", host: "h",
                startedAt: startedAt, seed: 1, rampartVersion: "test")
            var events = [RunEvent(t: 0, .stage(StageChange(stage: "canary", state: .running)))]
            if moved {
                events.append(RunEvent(t: 1, .weight(WeightChange(from: 0, to: 50, reason: "step 1 of 1"))))
                if outcome == .promoted { events.append(RunEvent(t: 31, .weight(WeightChange(from: 50, to: 100, reason: "promoted")))) }
            }
            var lines = [try RunFileCodec.line(header: header)] + (try events.map { try RunFileCodec.line(event: $0) })
            if let outcome {
                lines.append(try RunFileCodec.line(event: RunEvent(t: 31, .finished(RunFinished(outcome: outcome, reason: "done")))))
                lines.append(try RunFileCodec.line(outcome: RunOutcomeRecord(t: 31, outcome: outcome, reason: "done", finishedAt: startedAt)))
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }

        var weight: Double? { if case .success(let w) = FlagDocument.weight(inFile: flag) { w } else { nil } }
        var text: String { (try? String(contentsOfFile: runFile, encoding: .utf8)) ?? "" }

        func rollBack(ownPID: Int32? = nil, reason: String? = "users complain") async -> PromotionRollback.Report {
            await PromotionRollback.perform(
                runFile: runFile, operator: "bob", reason: reason, environment: [:], ownPID: ownPID, locks: locks,
                now: TimestampText.parseISO8601(Self.start)!.addingTimeInterval(3600))
        }
    }

    @Test func thePromotionGoesBackToTheBaselineOnceRecordedAndAnnounced() async throws {
        let f = try Fixture()
        let report = await f.rollBack()
        #expect(report.error == nil, "\(report.error ?? "")")
        #expect(f.weight == 0, "the flag sends every request to the baseline")
        let r = try RunFileCodec.read(file: f.runFile)
        let record = try #require(r.promotionRollback)
        #expect(record.operator == "bob" && record.reason == "users complain" && record.router == "file" && record.from == 100)
        #expect(record.detail == f.flag && record.at == "2026-12-01T11:00:00.000Z")
        #expect(record.t == 3600, "the wall time since the run started")
        #expect(r.finalOutcome == .rolledBack)
        let told = try String(contentsOfFile: f.notifications, encoding: .utf8)
        #expect(told.contains(#""event":"rolled_back""#) && told.contains("promotion rolled back by bob"))
        #expect(report.notifications == ["file:\(f.notifications): sent"])

        // Once is enough: a second rollback touches nothing, even with traffic moved back by hand.
        try Fixture.setFlag(f.flag, to: 100)
        let before = f.text
        let again = await f.rollBack()
        #expect(again.problem == .refused && again.error?.contains("already rolled back") == true)
        #expect(f.weight == 100 && f.text == before)
    }

    /// Each case changes one thing about the world; each must be refused before traffic moves.
    @Test(arguments: [
        "not promoted", "unfinished", "spec edited", "later run moved traffic", "router moved", "router at 0", "live run", "live run as ./spec.yaml",
        "crashed run",
    ])
    func refusedWithNothingTouched(_ situation: String) async throws {
        let f = try Fixture()
        var expected = ""
        switch situation {
        case "not promoted":
            try f.write(f.runFile, startedAt: Fixture.start, outcome: .rolledBack, moved: true)
            expected = "ended ROLLED_BACK, not promoted"
        case "unfinished":
            try f.write(f.runFile, startedAt: Fixture.start, outcome: nil, moved: true)
            expected = "has no outcome yet"
        case "spec edited":
            try (String(contentsOfFile: f.spec, encoding: .utf8) + "\n# baseline is now 2\n").write(toFile: f.spec, atomically: true, encoding: .utf8)
            expected = "changed since the run"
        case "later run moved traffic":
            try f.write(f.runs + "/20261201T120000Z-p.jsonl", startedAt: "2026-12-01T12:00:00Z", outcome: .rolledBack, moved: true)
            expected = "a later run of this spec (\(f.runs)/20261201T120000Z-p.jsonl, ended ROLLED_BACK) has moved traffic since"
        case "router moved":
            try Fixture.setFlag(f.flag, to: 30)
            expected = "has the candidate at 30%, not where the promotion left it"
        case "router at 0":
            try Fixture.setFlag(f.flag, to: 0)
            expected = "already sends all traffic to the baseline"
        case "live run":
            try RunLock(
                pid: getpid(), host: ProcessInfo.processInfo.hostName, runFile: f.dir + "/other.jsonl", specFile: f.spec,
                specSHA256: "x", router: "file", startedAt: Fixture.start
            ).write(in: f.locks)
            expected = "a run of this spec is live (pid \(getpid())"
        case "live run as ./spec.yaml":
            // `rampart run ./spec.yaml` writes its lock with the path as given, made absolute.
            try RunLock(
                pid: getpid(), host: ProcessInfo.processInfo.hostName, runFile: f.dir + "/other.jsonl", specFile: f.dir + "/./spec.yaml",
                specSHA256: "x", router: "file", startedAt: Fixture.start
            ).write(in: f.locks)
            expected = "a run of this spec is live (pid \(getpid())"
        default:
            // A process that has exited: its pid is free.
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/bin/true")
            try gone.run()
            gone.waitUntilExit()
            try RunLock(
                pid: gone.processIdentifier, host: ProcessInfo.processInfo.hostName, runFile: f.dir + "/other.jsonl",
                specFile: f.dir + "/other.yaml", specSHA256: "x", router: "file", startedAt: Fixture.start
            ).write(in: f.locks)
            expected = "a crashed run left its lock here"
        }
        let weight = f.weight
        let before = f.text
        let report = await f.rollBack()
        #expect(report.problem == .refused)
        #expect(report.error?.contains(expected) == true, "\(report.error ?? "no error")")
        #expect(f.weight == weight, "the router was not touched")
        #expect(f.text == before, "nothing was recorded")
        #expect(!FileManager.default.fileExists(atPath: f.notifications), "nobody was told anything happened")
    }

    @Test func theRunsOwnLockAndALaterRunThatMovedNothingDoNotStandInTheWay() async throws {
        let f = try Fixture()
        // The dashboard of the run itself, still open after the run ended, holds this lock.
        try RunLock(
            pid: getpid(), host: ProcessInfo.processInfo.hostName, runFile: f.runFile, specFile: f.spec, specSHA256: "x",
            router: "file", startedAt: Fixture.start
        ).write(in: f.locks)
        // A later run of the spec that a gate blocked never touched the router.
        try f.write(f.runs + "/20261201T120000Z-p.jsonl", startedAt: "2026-12-01T12:00:00Z", outcome: .blocked, moved: false)
        let report = await f.rollBack(ownPID: getpid())
        #expect(report.error == nil, "\(report.error ?? "")")
        #expect(f.weight == 0)
    }

    @Test func aBuiltinProxyRunIsRefusedForWhatItIs() async throws {
        let f = try Fixture(router: "builtin")
        let report = await f.rollBack()
        #expect(report.problem == .refused && report.error?.contains("builtin proxy") == true)
    }

    @Test func aSpecThatCannotBeReadIsInvalidInput() async throws {
        let f = try Fixture()
        try FileManager.default.removeItem(atPath: f.spec)
        let report = await f.rollBack()
        #expect(report.problem == .invalidInput && report.error?.contains("cannot read the run's spec \(f.spec)") == true)
        #expect(f.weight == 100)
    }

    @Test func aRouterThatFailsSaysTrafficIsUnknownAndRecordsNothing() async throws {
        let f = try Fixture(router: #"{ kind: command, run: "echo refused {weight} >&2; exit 3", timeout: 10s }"#)
        let before = f.text
        let report = await f.rollBack()
        #expect(report.problem == .router)
        #expect(report.error?.contains("could not be set to 0%") == true && report.error?.contains("TRAFFIC STATE UNKNOWN") == true)
        #expect(report.error?.contains("refused") == true, "the command's own words: \(report.error ?? "")")
        #expect(f.text == before)
    }
}
