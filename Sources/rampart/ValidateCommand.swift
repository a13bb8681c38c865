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
            exits 69 when the spec is valid but an API key or token variable it names is not set.
            """
    )

    @Argument(help: "Pipeline spec files (YAML).")
    var specs: [String]

    func run() throws {
        var failed = false
        var unset = false
        for file in specs {
            do {
                let inputs = try RunAssembly.load(file: file)
                if Console.reportMissingSecrets(inputs.spec, file: file) {
                    unset = true
                } else {
                    print("\(file): ok — \(SpecDescription.oneLine(inputs))")
                }
            } catch {
                failed = true
                Console.report(error)
            }
        }
        if failed { throw Exit.invalidInput }
        if unset { throw Exit.unavailable }
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
