import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

struct RecorderTests {
    func header() -> RunHeader {
        RunHeader(
            pipeline: "support-bot", specFile: "demo.yaml", specSHA256: "x",
            baseline: VariantRecord(provider: "sim", model: "m", version: "1", promptTemplateSHA256: nil, guardrailsSHA256: nil),
            candidate: VariantRecord(provider: "sim", model: "m", version: "2", promptTemplateSHA256: nil, guardrailsSHA256: nil),
            git: nil, operator: "tester", host: "h", startedAt: "2026-11-27T10:00:00.000Z", seed: 42, rampartVersion: "test")
    }

    @Test func aRecordedRunReadsBackAsTheSameEventsWithAMatchingOutcome() async throws {
        let path = (Paths.temporaryDirectory() as NSString).appendingPathComponent("runs/run.jsonl")
        let recorder = try RunRecorder(path: path, header: header())
        var h = try Harness(example: "degraded.yaml")
        h.schedule = [ScheduledCommand(at: 5, command: OperatorCommand(.pause, operator: "ada", reason: "look"))]
        let clock = VirtualClock()
        let engine = Engine(inputs: h.inputs, clock: clock, options: RunOptions(seed: 42, operator: "tester", schedule: h.schedule))
        engine.bus.addSink { recorder.record($0) }
        let outcome = await engine.run()
        #expect(recorder.error == nil)

        let recording = try RunFileCodec.read(file: path)
        #expect(recording.header == header())
        #expect(recording.events == engine.bus.events)
        // Including the retries a gate needed (the demo's sim fails a few first attempts).
        let retries = recording.events.compactMap { if case .gate(let g) = $0.body { g.retries } else { nil } }
        #expect(!retries.isEmpty)
        #expect(recording.outcome?.outcome == outcome)
        #expect(recording.outcome?.exitCode == outcome.exitCode)
    }

    @Test func aRecordingIsNeverOverwritten() throws {
        let path = (Paths.temporaryDirectory() as NSString).appendingPathComponent("run.jsonl")
        _ = try RunRecorder(path: path, header: header())
        #expect(throws: RecorderError.self) { try RunRecorder(path: path, header: header()) }
    }

    @Test func everyEventIsOnDiskBeforeSubscribersSeeIt() async throws {
        let path = (Paths.temporaryDirectory() as NSString).appendingPathComponent("run.jsonl")
        let recorder = try RunRecorder(path: path, header: header())
        let bus = EventBus()
        bus.addSink { recorder.record($0) }
        let stream = bus.subscribe()
        bus.publish(RunEvent(t: 1, .stage(StageChange(stage: "build", state: .running))))
        bus.publish(RunEvent(t: 2, .weight(WeightChange(from: 0, to: 5, reason: "step 1"))))
        bus.finish()
        var seen = 0
        for await _ in stream {
            seen += 1
            let onDisk = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count - 1
            #expect(onDisk >= seen)
        }
        #expect(seen == 2)
    }
}

struct EventBusTests {
    @Test func lateSubscribersReplayHistoryAndEveryStreamEnds() async {
        let bus = EventBus()
        let early = bus.subscribe()
        bus.publish(RunEvent(t: 0, .stage(StageChange(stage: "a", state: .running))))
        let late = bus.subscribe()
        bus.publish(RunEvent(t: 1, .stage(StageChange(stage: "a", state: .passed))))
        bus.finish()
        let afterEnd = bus.subscribe()
        var counts: [Int] = []
        for stream in [early, late, afterEnd] {
            var n = 0
            for await _ in stream { n += 1 }
            counts.append(n)
        }
        #expect(counts == [2, 2, 2])
    }
}
