import ArgumentParser
import Foundation
import RampartCore
import RampartEngine

/// `rampart recover [RUN]`: after a run died without recording an outcome (`kill -9`, a power
/// cut), put its traffic back where its run file says (the baseline, or the candidate if the
/// promotion was recorded), complete the run file, notify, release its lock.
struct RecoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover",
        abstract: "Put a crashed run's traffic back where its run file says it belongs, and complete its record.",
        discussion: """
            Finds runs in .rampart/live whose process is gone. For each (or the one whose run file is
            RUN): rebuilds its router from the spec, sets it to 0% (100% if the promotion was recorded),
            appends an 'aborted: recovered after crash' outcome to the run file, notifies the spec's
            channels. Exit codes: 0 recovered (or nothing to recover), 1 a router could not be set
            (traffic state unknown: check it by hand), 64 no crashed run matches RUN.
            """)

    @Argument(help: "The run file of the run to recover (default: every crashed run).")
    var runFile: String?

    @Option(help: "Who recovers, recorded in the run file (default: $RAMPART_OPERATOR or $USER).")
    var `operator`: String?

    func run() async throws {
        var crashed = RunLock.crashed()
        if let run = runFile {
            let wanted = URL(fileURLWithPath: run).standardizedFileURL.path
            crashed = crashed.filter { URL(fileURLWithPath: $0.runFile).standardizedFileURL.path == wanted }
            guard !crashed.isEmpty else {
                Console.error("error: no crashed run recorded to \(run) (runs whose process is gone are listed by `rampart runs`)")
                throw Exit.usage
            }
        }
        guard !crashed.isEmpty else {
            say("nothing to recover: every run in \(RunLock.directory) finished or is still running")
            return
        }
        let name = `operator` ?? ProcessInfo.processInfo.environment["RAMPART_OPERATOR"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        var failed = false
        for lock in crashed {
            let report = await Recovery.recover(lock, operator: name, environment: ProcessInfo.processInfo.environment)
            if let error = report.error {
                failed = true
                Console.error("error: \(lock.runFile): \(error)")
                continue
            }
            say("recovered  \(lock.runFile): \(report.reason)")
            for n in report.notifications { say("notify     \(n)") }
        }
        if failed { throw ExitCode(1) }
    }
}
