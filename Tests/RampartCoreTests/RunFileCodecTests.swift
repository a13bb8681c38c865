import Foundation
import Testing

@testable import RampartCore

struct RunFileCodecTests {
    let header = RunHeader(
        pipeline: "p", specFile: "spec.yaml", specSHA256: String(repeating: "a", count: 64),
        baseline: VariantRecord(provider: "sim", model: "m", version: "1", promptTemplateSHA256: nil, guardrailsSHA256: nil),
        candidate: VariantRecord(provider: "sim", model: "m", version: "2", promptTemplateSHA256: "b", guardrailsSHA256: nil),
        git: GitInfo(commit: "abc", dirty: true), operator: "ada", host: "h", startedAt: "2026-11-27T10:00:00Z", seed: 42, rampartVersion: "0.1.0")

    static let sampleEvents: [RunEvent] = [
        RunEvent(
            t: 0, .runStarted(RunStarted(pipeline: "p", baseline: "m@1", candidate: "m@2", stages: ["build", "canary"], seed: 42, operator: "ada"))),
        RunEvent(t: 0, .stage(StageChange(stage: "build", state: .running))),
        RunEvent(t: 0.5, .buildStep(BuildStepResult(name: "b", exitCode: 0, timedOut: false, duration: 0.5, output: ["ok"]))),
        RunEvent(
            t: 1,
            .gate(
                GateResult(
                    name: "g", kind: .golden, items: 3, candidateErrors: 0, baselineErrors: 1,
                    checks: [
                        GateCheck(
                            threshold: "min_score", measure: "token_f1 mean", candidate: 0.9, baseline: 0.8,
                            interval: Interval(low: 0.85, high: 0.95), method: "bootstrap-2000", n: 3, limit: 0.8, comparison: .atLeast,
                            test: PairedTests.Result(statistic: 1, pValue: 0.5, method: "wilcoxon-exact", n: 3))
                    ]))),
        RunEvent(t: 2, .canaryStep(CanaryStepStarted(index: 0, count: 2, step: CanaryStep(weight: 5, bake: 30, minRequests: 10)))),
        RunEvent(t: 2, .weight(WeightChange(from: 0, to: 5, reason: "step 1 of 2"))),
        RunEvent(
            t: 7,
            .metrics(
                MetricsSnapshot(
                    step: 0, weight: 5, baseline: ArmMetrics(requests: 10, errors: 0, latencyP50: 100), candidate: ArmMetrics(), candidateTotal: 0))),
        RunEvent(
            t: 12,
            .analysis(
                CanaryAnalysis(
                    step: 0,
                    results: [MetricResult(metric: .quality, baseline: 0.9, candidate: nil, limit: nil, status: .noData, consecutiveFailures: 0)],
                    decision: .continue, reason: "gathering data"))),
        RunEvent(
            t: 13,
            .operatorAction(
                OperatorAction(
                    command: OperatorCommand(.rollback, operator: "ada", reason: "p95 \"looks\" off"), accepted: true, note: "rolling back"))),
        RunEvent(t: 13, .notification(NotificationSent(channel: "file:/x", trigger: .rolledBack, delivered: false, error: "disk full"))),
        RunEvent(t: 13, .finished(RunFinished(outcome: .rolledBack, reason: "rolled back by ada"))),
    ]

    func file(_ events: [RunEvent], outcome: Bool = true) throws -> String {
        var lines = [try RunFileCodec.line(header: header)] + (try events.map { try RunFileCodec.line(event: $0) })
        if outcome {
            lines.append(
                try RunFileCodec.line(outcome: RunOutcomeRecord(t: 13, outcome: .rolledBack, reason: "r", finishedAt: "2026-11-27T10:00:13Z")))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    @Test func everyEventKindRoundTrips() throws {
        let recording = try RunFileCodec.parse(try file(Self.sampleEvents), file: "run.jsonl")
        #expect(recording.header == header)
        #expect(recording.events == Self.sampleEvents)
        #expect(recording.outcome?.exitCode == 2)
    }

    @Test func linesAreTaggedFirstAndOneEventPerLine() throws {
        let line = try RunFileCodec.line(event: Self.sampleEvents[5])
        #expect(line == #"{"type":"event","data":{"from":0,"reason":"step 1 of 2","to":5},"event":"weight","t":2}"#)
        #expect(!line.contains("\n"))
    }

    @Test func aRunWithoutOutcomeReadsAsUnfinished() throws {
        let recording = try RunFileCodec.parse(try file(Array(Self.sampleEvents.prefix(4)), outcome: false), file: "run.jsonl")
        #expect(recording.outcome == nil)
        #expect(recording.events.count == 4)
    }

    @Test func aCutOffLastLineKeepsEverythingBeforeItAndSaysSo() throws {
        var text = try file(Array(Self.sampleEvents.prefix(3)), outcome: false)
        text += String(try RunFileCodec.line(event: Self.sampleEvents[3]).prefix(40))
        let recording = try RunFileCodec.parse(text, file: "run.jsonl")
        #expect(recording.events.count == 3)
        #expect(recording.truncatedLine == 5)
        #expect(recording.unfinished?.contains("cut off at line 5") == true)
        // A cut in the middle of the file is corruption, not a crash.
        var lines = text.split(separator: "\n").map(String.init)
        lines.insert(String(lines.removeLast()), at: 2)
        #expect { try RunFileCodec.parse(lines.joined(separator: "\n") + "\n", file: "run.jsonl") } throws: { error in
            (error as? InvalidInput)?.diagnostics.first?.line == 3
        }
    }

    @Test func corruptLinesAndNewerFormatsAreRefusedWithLineNumbers() throws {
        var lines = try file(Self.sampleEvents).split(separator: "\n").map(String.init)
        lines[2] = #"{"type":"event","t":"soon","event":"stage","data":{}}"#
        #expect { try RunFileCodec.parse(lines.joined(separator: "\n") + "\n", file: "run.jsonl") } throws: { error in
            let d = (error as? InvalidInput)?.diagnostics.first
            return d?.line == 3 && d?.message.hasPrefix("corrupt line") == true
        }
        let newer = try RunFileCodec.line(
            header: RunHeader(
                format: 99, pipeline: "p", specFile: "s", specSHA256: "x", baseline: header.baseline, candidate: header.candidate, git: nil,
                operator: "a", host: "h", startedAt: "t", seed: 1, rampartVersion: "9"))
        #expect { try RunFileCodec.parse(newer + "\n", file: "run.jsonl") } throws: { error in
            (error as? InvalidInput)?.diagnostics.first?.message.contains("format 99 is newer") == true
        }
        #expect { try RunFileCodec.parse("{}\n", file: "run.jsonl") } throws: { error in
            (error as? InvalidInput)?.diagnostics.contains { $0.message.contains("no header line") } == true
        }
    }
}

struct EventLineTests {
    @Test func readableLines() {
        let e = RunFileCodecTests.sampleEvents
        #expect(EventLine.format(e[5]) == "00:02.0  weight   0% → 5%: step 1 of 2")
        #expect(EventLine.format(e[8]) == #"00:13.0  operator ada rollback ("p95 "looks" off"): rolling back"#)
        #expect(EventLine.format(e[10]) == "00:13.0  finished ROLLED_BACK: rolled back by ada")
        #expect(EventLine.format(e[3]).contains("min_score 0.900 >= 0.800 [95% CI 0.850–0.950; baseline 0.800] wilcoxon-exact p=0.5 pass"))
        #expect(EventLine.format(e[6]) == "00:07.0  metrics  step 1 @5% canary/baseline: n 0/10, p95 -/-ms, errors -/-%, quality -/-")
        #expect(EventLine.clock(3725.5) == "62:05.5")
    }

    @Test func summaryFromEventsAlone() {
        let lines = RunSummary.lines(events: RunFileCodecTests.sampleEvents, runFile: "x.jsonl")
        #expect(lines[0] == "outcome: ROLLED_BACK (exit 2) — rolled back by ada")
        #expect(lines.contains { $0.hasPrefix("  build") && $0.contains("running") })
        #expect(lines.last == "run file: x.jsonl")
        #expect(RunSummary.lines(events: Array(RunFileCodecTests.sampleEvents.prefix(2)), runFile: nil)[0] == "outcome: DID NOT FINISH")
    }
}
