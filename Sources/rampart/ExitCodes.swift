import ArgumentParser
import RampartCore

/// The documented exit codes beyond the run outcomes (`RunOutcome.exitCode`).
enum Exit {
    static let usage = ExitCode(64)
    static let invalidInput = ExitCode(65)
    /// A service the command needs is not there: a port in use, no engine on the control socket.
    static let unavailable = ExitCode(69)
    static let cannotWrite = ExitCode(74)

    static func outcome(_ o: RunOutcome) -> ExitCode { ExitCode(o.exitCode) }
}
