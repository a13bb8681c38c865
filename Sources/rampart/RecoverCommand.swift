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
            Finds runs in .rampart/live whose process is gone. For each (or the one whose run file is \
            RUN): rebuilds its router from the spec, sets it to 0% (100% if the promotion was recorded), \
            appends an 'aborted: recovered after crash' outcome to the run file, notifies the spec's \
            channels. Exit codes: 0 recovered (or nothing to recover), 1 a router could not be set \
            (traffic state unknown: check it by hand), 64 no crashed run matches RUN.

            With --spec FILE, for a run whose lock went with its machine (a CI container stopped \
            mid-canary): rebuilds FILE's router and asks it where traffic is. A split canary is set \
            back to the baseline (and the spec's channels told), a finished promotion (all traffic \
            on the candidate) is left as it is, and a router that cannot read its state back (command) \
            is set to 0%. Refused (64) while a run is live here or a crashed one left its lock; 65 for \
            a spec that cannot be read; 1 when the router cannot be read or set.
            """)

    @Argument(help: "The run file of the run to recover (default: every crashed run).")
    var runFile: String?

    @Option(help: "Who recovers, recorded in the run file (default: $RAMPART_OPERATOR or $USER).")
    var `operator`: String?

    @Option(name: .customLong("spec"), help: "Recover the traffic of FILE's router without a lock (a run on a machine that is gone).")
    var specFile: String?

    func validate() throws {
        if runFile != nil && specFile != nil { throw ValidationError("give a run file or --spec, not both") }
    }

    func run() async throws {
        let name = OperatorName.resolve(`operator`)
        if let specFile {
            let report = await UnlockedRecovery.recover(specFile: specFile, operator: name, environment: ProcessInfo.processInfo.environment)
            if let error = report.error {
                Console.error("error: \(error)")
                switch report.problem {
                case .refused: throw Exit.usage
                case .invalidSpec: throw Exit.invalidInput
                case .router, nil: throw ExitCode(1)
                }
            }
            say(report.weight == nil ? report.reason : "recovered  \(report.reason)")
            for n in report.notifications { say("notify     \(n)") }
            return
        }
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
