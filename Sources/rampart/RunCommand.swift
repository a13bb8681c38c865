import ArgumentParser
import Foundation
import RampartCore
import RampartEngine

/// Options shared by `run` and `demo`.
struct RunOptionsGroup: ParsableArguments {
    @Flag(help: "Print one line per event instead of opening the dashboard (the default when not on a terminal).")
    var headless = false

    @Option(help: "Gate response cache (gates only; canary traffic is never cached).")
    var cache: String = ".rampart/cache/responses.jsonl"

    @Flag(help: "Do not read or write the gate response cache.")
    var noCache = false

    @Option(help: "Dashboard theme: a name from themes/ (default, light, high-contrast, colorblind, mono) or a path to a .theme file.")
    var theme: String = "default"

    @Flag(help: "Leave the mouse to the terminal (its own text selection) instead of clicks and the wheel in the dashboard.")
    var noMouse = false

    @Option(help: "Seed for the simulator and traffic (default: the spec's seed).")
    var seed: UInt64?

    @Option(help: "Record the run to this file (default: .rampart/runs/<time>-<pipeline>.jsonl).")
    var record: String?

    @Option(help: "Operator name recorded with every command (default: $RAMPART_OPERATOR or $USER).")
    var `operator`: String?

    @Option(
        help:
            "Clock speed: 1 is real time, 10 runs ten times faster, 'max' runs on a virtual clock without waiting. Only real time sends canary traffic over HTTP through the proxy; faster speeds simulate it in process."
    )
    var speed: String = "1"

    @Option(help: "Control socket for `rampart promote|rollback|pause|resume|status` from other terminals and scripts.")
    var socket: String = ControlOptions.defaultSocket

    @Option(
        name: .customLong("command-at"),
        help: ArgumentHelp(
            "Schedule an operator command: TIME:COMMAND[:REASON], e.g. '4m:rollback:p95 looks off'. Repeatable.", valueName: "time:command"))
    var commandsAt: [String] = []

    func validate() throws {
        if speed != "max" && (Double(speed).map { $0 <= 0 || !$0.isFinite } ?? true) {
            throw ValidationError("--speed must be a positive number or 'max', got '\(speed)'")
        }
        _ = try schedule(operator: "x")
    }

    func schedule(operator name: String) throws -> [ScheduledCommand] {
        try commandsAt.map { text in
            let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count >= 2, let at = DurationText.seconds(from: parts[0]) else {
                throw ValidationError("--command-at takes TIME:COMMAND[:REASON], got '\(text)'")
            }
            guard let kind = OperatorCommand.Kind(rawValue: parts[1]) else {
                let names = OperatorCommand.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("--command-at: unknown command '\(parts[1])' (one of: \(names))")
            }
            return ScheduledCommand(at: at, command: OperatorCommand(kind, operator: name, reason: parts.count > 2 ? parts[2] : nil))
        }
    }

    var operatorName: String { OperatorName.resolve(`operator`) }
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: build, gates, canary, promote or roll back.",
        discussion:
            "Exit codes: 0 promoted, 1 blocked, 2 rolled back, 3 inconclusive or aborted, 64 usage, 65 invalid input, 74 cannot write the run file."
    )

    @Argument(help: "The pipeline spec (YAML).")
    var spec: String

    @OptionGroup var options: RunOptionsGroup

    func run() async throws {
        try await PipelineRunner(specFile: spec, options: options).run()
    }
}

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the bundled demo pipeline (examples/demo.yaml) on the embedded simulator."
    )

    @OptionGroup var options: RunOptionsGroup

    func run() async throws {
        guard let spec = DemoLocator.find() else {
            Console.error(
                "error: cannot find the demo: looked for examples/demo.yaml here, in \(DemoLocator.installed() ?? "the install's share/rampart"), and in the source tree; `make install` puts it beside the binary"
            )
            throw Exit.invalidInput
        }
        try await PipelineRunner(specFile: spec, options: options).run()
    }
}

/// `rampart demo` works from any directory: the demo in the current directory first (a checkout
/// or `rampart init`'s folder), then the one `make install` put beside the binary
/// (PREFIX/share/rampart/examples, found from the binary's own path, symlinks resolved), then
/// the source tree the binary was built from.
enum DemoLocator {
    static let relative = "examples/demo.yaml"

    static func find(executable: String = CommandLine.arguments[0]) -> String? {
        if FileManager.default.fileExists(atPath: relative) { return relative }
        if let installed = installed(executable: executable), FileManager.default.fileExists(atPath: installed) { return installed }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent(relative).path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// PREFIX/share/rampart/examples/demo.yaml for a binary at PREFIX/bin/rampart.
    static func installed(executable: String = CommandLine.arguments[0]) -> String? {
        let binary =
            executable.contains("/")
            ? executable
            : ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .map { "\($0)/\(executable)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let binary else { return nil }
        let resolved = URL(fileURLWithPath: binary).resolvingSymlinksInPath()
        let prefix = resolved.deletingLastPathComponent().deletingLastPathComponent()
        return prefix.appendingPathComponent("share/rampart/" + relative).path
    }
}
