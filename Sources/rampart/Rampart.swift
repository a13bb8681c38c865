// swift-format-ignore-file: OrderedImports
// Glibc comes first: imported after Foundation (which re-exports it), @preconcurrency would not
// cover `stdout`.
import ArgumentParser
@preconcurrency import Glibc
import Foundation
import RampartNet

@main
struct Rampart: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "rampart",
        abstract: "Safe deployment for probabilistic systems: gates and canaries for GenAI apps.",
        discussion: """
            Exit codes: 0 promoted, 1 blocked by a build step or gate, 2 rolled back, \
            3 inconclusive or aborted, 64 usage error, 65 invalid input, 69 a needed service is \
            unavailable (port in use, no engine on the control socket, a model endpoint that cannot \
            be reached or refuses the credentials, an API key variable that is not set), \
            74 cannot write the run file.
            """,
        version: version,
        subcommands: [
            RunCommand.self, ValidateCommand.self, DemoCommand.self, EvalCommand.self, ScoreCommand.self,
            ProxyCommand.self, StatusCommand.self, PromoteCommand.self, RollbackCommand.self, PauseCommand.self,
            ResumeCommand.self, SimulateCommand.self, RunsCommand.self, ReplayCommand.self, RecoverCommand.self, InitCommand.self, ManualCommand.self,
        ]
    )

    /// Output is line-buffered whether or not stdout is a terminal: a CI log piped through
    /// `cat` or `tee` shows each event line as it happens, not a block a minute later.
    static func main() async {
        setvbuf(stdout, nil, _IOLBF, 0)
        DescriptorLimit.raise()
        await main(nil)
    }
}
