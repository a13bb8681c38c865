import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine
@testable import RampartTUI

enum Paths {
    static let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let repository = here.deletingLastPathComponent().deletingLastPathComponent().path
    static let snapshots = here.appendingPathComponent("Snapshots").path
    static func example(_ name: String) -> String { repository + "/examples/" + name }
    static var themes: String { repository + "/themes" }
}

/// A recorded demo run, produced by the engine on the virtual clock (seed 42): the same events
/// every time. Build-step wall durations are zeroed, the only field that depends on the machine.
enum DemoRun {
    static func events(_ example: String = "demo.yaml", schedule: [ScheduledCommand] = []) async throws -> [RunEvent] {
        var inputs = try RunAssembly.load(file: Paths.example(example))
        inputs.spec.notify = []
        let engine = Engine(inputs: inputs, clock: VirtualClock(), options: RunOptions(seed: 42, operator: "ada", schedule: schedule))
        _ = await engine.run()
        return engine.bus.events.map { e in
            guard case .buildStep(var b) = e.body else { return e }
            b.duration = 0
            return RunEvent(t: e.t, .buildStep(b))
        }
    }

    /// When step `index` (zero-based) started in `events`.
    static func stepStart(_ events: [RunEvent], _ index: Int) -> Double {
        guard let e = events.first(where: { if case .canaryStep(let c) = $0.body { c.index == index } else { false } }) else {
            // A crash here would take every other test down with it: say what the run did instead.
            let tail = events.filter { if case .observations = $0.body { false } else { true } }.suffix(8).map(EventLine.format)
            let summary = tail.joined(separator: "\n")
            Issue.record("the demo run never reached canary step \(index + 1); it ended with:\n\(summary)")
            return 0
        }
        return e.t
    }

    /// The dashboard state after the events up to engine time `t`, seen `t` seconds after start.
    static func state(_ events: [RunEvent], upTo t: Double, themes: [String] = ["default", "mono"]) -> DashboardState {
        var s = DashboardState(operatorName: "ada", themeNames: themes, now: 1_000)
        for e in events where e.t <= t {
            _ = DashboardReducer.reduce(&s, .tick(1_000 + e.t))
            _ = DashboardReducer.reduce(&s, .engine(e))
        }
        _ = DashboardReducer.reduce(&s, .tick(1_000 + min(t, events.last?.t ?? 0)))
        return s
    }
}

/// Text snapshots in the style of swift-argument-parser: stored beside the tests, re-recorded
/// with RECORD_SNAPSHOTS=1. A missing snapshot is recorded and the test fails, so it is noticed.
func assertSnapshot(_ actual: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let path = Paths.snapshots + "/" + name
    let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] != nil
    let existing = try? String(contentsOfFile: path, encoding: .utf8)
    if record || existing == nil {
        try? FileManager.default.createDirectory(atPath: Paths.snapshots, withIntermediateDirectories: true)
        try! actual.write(toFile: path, atomically: true, encoding: .utf8)
        if existing == nil && !record {
            Issue.record("recorded a new snapshot at \(path); check it and run again", sourceLocation: sourceLocation)
        }
        return
    }
    if actual != existing! {
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false),
            e = existing!.split(separator: "\n", omittingEmptySubsequences: false)
        let firstDiff = zip(a, e).enumerated().first { $0.element.0 != $0.element.1 }
        let difference =
            firstDiff.map { "line \($0.offset + 1):\n  expected: \($0.element.1)\n  actual:   \($0.element.0)" }
            ?? "line counts differ (\(e.count) vs \(a.count))"
        Issue.record(
            "snapshot \(name) differs at \(difference)\n(re-record with RECORD_SNAPSHOTS=1 if the change is intended)", sourceLocation: sourceLocation
        )
    }
}
