import ArgumentParser
import Foundation
import RampartCore
import RampartEngine

/// `rampart rollback`: the live run's canary back to the baseline, or, given a finished run, its
/// promotion taken back at its router.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Send all traffic back to the baseline: end the live run as rolled back, or undo a finished run's promotion.",
        discussion: """
            Without RUN: asks the engine on the control socket to roll its canary back (exit 0 accepted, \
            1 refused, 69 no engine).

            With RUN (a run file, or a run's name or unique prefix in .rampart/runs) that ended PROMOTED: \
            rebuilds the run's router from its spec and sends all traffic back to the baseline, appends \
            who and why to the run file, and tells the spec's channels (rolled_back). Refused, with nothing \
            touched, when the spec changed since the run, a later run of the spec moved traffic, a run of \
            it is live or crashed, the run used the builtin proxy, or the router shows traffic is no longer \
            where the promotion left it. Exit codes: 0 rolled back, 1 refused, 65 the run file or spec \
            cannot be read, 69 the router could not be read or set (the message says whether traffic \
            moved), 74 traffic is back but the run file could not record it.
            """)

    @Argument(help: .init("A finished, promoted run whose promotion to roll back (default: the live run on the control socket).", valueName: "run"))
    var finishedRun: String?

    @Option(help: "The runs directory, for RUN given by name.")
    var dir: String = RunsCommand.defaultDirectory

    @Option(name: .customLong("spec"), help: "The run's spec, when its recorded path does not lead to it from here.")
    var specFile: String?

    @OptionGroup var control: ControlOptions

    func validate() throws {
        if finishedRun == nil && specFile != nil { throw ValidationError("--spec goes with a RUN whose promotion to roll back") }
    }

    func run() async throws {
        guard let name = finishedRun else {
            try await control.send(.rollback)
            return
        }
        let path = try RunsCommand.resolve(name, in: dir)
        let report = await PromotionRollback.perform(
            runFile: path, operator: control.operatorName, reason: control.reason, environment: ProcessInfo.processInfo.environment,
            specFile: specFile)
        if let error = report.error {
            Console.error("rollback: \(error)")
            switch report.problem {
            case .invalidInput: throw Exit.invalidInput
            case .router: throw Exit.unavailable
            case .cannotWrite: throw Exit.cannotWrite
            case .refused, nil: throw ExitCode(1)
            }
        }
        say("rolled back  \(report.reason)")
        for n in report.notifications { say("notify       \(n)") }
    }
}
