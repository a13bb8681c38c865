import Foundation

@testable import RampartCore
@testable import RampartEngine

enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static func example(_ relative: String) -> String { (repository as NSString).appendingPathComponent("examples/\(relative)") }

    static func temporaryDirectory() -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("rampart-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Runs an engine to completion on a virtual clock and hands back what happened.
struct Harness {
    var inputs: PipelineInputs
    var seed: UInt64 = 42
    var schedule: [ScheduledCommand] = []

    init(example: String = "demo.yaml", edit: (inout PipelineSpec) -> Void = { _ in }) throws {
        inputs = try RunAssembly.load(file: Paths.example(example))
        // Tests must not write into the examples folder.
        inputs.spec.notify = []
        edit(&inputs.spec)
    }

    struct Result {
        var outcome: RunOutcome
        var events: [RunEvent]
        var clock: VirtualClock

        var bodies: [RunEvent.Body] { events.map(\.body) }
        var weights: [WeightChange] { events.compactMap { if case .weight(let w) = $0.body { w } else { nil } } }
        var finalWeight: Double { weights.last?.to ?? 0 }
        var steps: [RunEvent] { events.filter { if case .canaryStep = $0.body { true } else { false } } }
        var operatorActions: [OperatorAction] { events.compactMap { if case .operatorAction(let o) = $0.body { o } else { nil } } }
        var finished: RunFinished? { events.compactMap { if case .finished(let f) = $0.body { f } else { nil } }.last }
        func stageStates(_ stage: String) -> [StageState] {
            events.compactMap { if case .stage(let s) = $0.body, s.stage == stage { s.state } else { nil } }
        }
    }

    func run() async -> Result {
        let clock = VirtualClock()
        var options = RunOptions(seed: seed, operator: "tester", schedule: schedule)
        // As the CLI does: the engine reads only the environment it is given.
        options.environment = ProcessInfo.processInfo.environment
        let engine = Engine(inputs: inputs, clock: clock, options: options)
        let outcome = await engine.run()
        return Result(outcome: outcome, events: engine.bus.events, clock: clock)
    }
}
