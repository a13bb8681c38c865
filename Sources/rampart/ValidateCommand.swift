import ArgumentParser
import Foundation
import RampartCore
import RampartEngine

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline spec and every file it references, without running anything.",
        discussion: """
            Reports every problem as FILE:LINE:COLUMN: FIELD: MESSAGE and exits 65 if there is any; \
            exits 69 when the spec is valid but an API key or token variable it names is not set, or \
            `rampart run` would be refused here and now: a crashed run's lock (run `rampart recover`), \
            a listening port the spec names that another process holds. A router file whose directory \
            is missing or not writable is invalid input (65).
            """
    )

    @Argument(help: "Pipeline spec files (YAML).")
    var specs: [String]

    func run() throws {
        var failed = false
        var unavailable = false
        for file in specs {
            do {
                let inputs = try RunAssembly.load(file: file)
                let problems = LaunchObstacles.problems(inputs.spec)
                for p in problems { Console.error("error: \(file): run would fail: \(p.message)") }
                if problems.contains(where: { !$0.unavailable }) {
                    failed = true
                } else if problems.contains(where: \.unavailable) {
                    unavailable = true
                }
                if Console.reportMissingSecrets(inputs.spec, file: file) {
                    unavailable = true
                } else if problems.isEmpty {
                    print("\(file): ok — \(SpecDescription.oneLine(inputs))")
                }
            } catch {
                failed = true
                Console.report(error)
            }
        }
        if failed { throw Exit.invalidInput }
        if unavailable { throw Exit.unavailable }
    }
}

enum SpecDescription {
    static func oneLine(_ inputs: PipelineInputs) -> String {
        let s = inputs.spec
        let canary =
            s.canary.map { c in
                var text = "\(c.steps.count) canary steps (" + c.steps.map { MetricFormat.percent($0.weight) }.joined(separator: " → ") + ")"
                text += ", \(c.judge.kind.rawValue) judge"
                if case .prometheus(let p) = c.metricsSource { text += " on prometheus \(p.url)" }
                if case .kind(let k) = c.metricsSource { text += " on \(k.summary)" }
                if case .kind(let k) = c.router {
                    text += ", split by \(type(of: k).kind) (\(k.summary))"
                } else if c.router != .builtin {
                    text += ", split by \(c.router.name)"
                }
                if let p = c.publish { text += ", published to \(p.settings.summary)" }
                return text
            } ?? "no canary"
        return
            "pipeline '\(s.name)', candidate \(s.candidate.label) vs baseline \(s.baseline.label), \(s.build.count) build steps, \(s.gates.count) gates, \(canary)"
    }
}
