import Foundation
import RampartCore
import RampartEngine

/// Prints a line that may carry text from outside (a run file, a reason, an operator's name),
/// made safe for the terminal first.
func say(_ line: String) {
    print(TerminalText.sanitize(line))
}

enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((TerminalText.sanitize(message) + "\n").utf8))
    }

    /// One line per secret variable the spec names that the environment lacks; true if any.
    static func reportMissingSecrets(_ spec: PipelineSpec, file: String, gatesOnly: Bool = false) -> Bool {
        let missing = RunAssembly.preflight(spec, environment: ProcessInfo.processInfo.environment, gatesOnly: gatesOnly)
        for m in missing { error("error: \(file): \(m)") }
        return !missing.isEmpty
    }

    /// Runs in this directory that died with their canary live, for `runs` and `status`.
    static func warnCrashedRuns() {
        for lock in RunLock.crashed() {
            error("warning: \(lock.summary); its traffic may still be on the candidate: run `rampart recover`")
        }
    }

    static func report(_ invalid: InvalidInput) {
        for d in invalid.diagnostics { error("error: \(d)") }
        let n = invalid.diagnostics.count
        error("\(n) problem\(n == 1 ? "" : "s") found")
    }
}
