import ArgumentParser
import Foundation
import RampartCore
import RampartEngine
import RampartNet

/// Options for the commands that steer a running engine through its control socket.
struct ControlOptions: ParsableArguments {
    static let defaultSocket = ".rampart/engine.sock"

    @Option(help: "The engine's control socket.")
    var socket: String = ControlOptions.defaultSocket

    @Option(help: "Operator name recorded with the command (default: $RAMPART_OPERATOR or $USER).")
    var `operator`: String?

    @Option(help: "Why: recorded in the run file with your name.")
    var reason: String?

    var operatorName: String { OperatorName.resolve(`operator`) }

    /// Sends the command and prints the engine's answer. Exit 0 accepted, 1 refused, 69 no engine.
    func send(_ kind: OperatorCommand.Kind) async throws {
        let body = ControlCommandRequest.Body(command: kind.rawValue, operator: operatorName, reason: reason)
        let json = String(decoding: (try? JSONEncoder().encode(body)) ?? Data(), as: UTF8.self)
        let answer: (status: Int, body: String)
        do {
            answer = try await ControlClient.request(socket: socket, method: "POST", path: "/command", body: json, timeout: 40)
        } catch {
            Console.error("error: \(error)")
            throw Exit.unavailable
        }
        let note = ControlCommandAnswer.note(from: answer.body)
        switch answer.status {
        case 200: say("\(kind.rawValue): accepted: \(note)")
        case 202: say("\(kind.rawValue): \(note)")
        default:
            Console.error("\(kind.rawValue): refused: \(note)")
            throw ExitCode(1)
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the state of the engine running on the control socket (JSON with --json).")

    @Option(help: "The engine's control socket.")
    var socket: String = ControlOptions.defaultSocket

    @Flag(help: "Print the raw JSON.")
    var json = false

    func run() async throws {
        let answer: (status: Int, body: String)
        do {
            answer = try await ControlClient.request(socket: socket, method: "GET", path: "/status")
        } catch {
            Console.error("error: \(error)")
            Console.warnCrashedRuns()
            throw Exit.unavailable
        }
        if json {
            // JSON escapes control characters itself; line breaks stay for the reader.
            print(answer.body)
            return
        }
        guard let status = try? JSONDecoder().decode(EngineControl.Status.self, from: Data(answer.body.utf8)) else {
            say(answer.body)
            return
        }
        say("pipeline   \(status.pipeline): candidate \(status.candidate) vs baseline \(status.baseline)")
        if !status.stages.isEmpty {
            say("stages     " + status.orderedStages.map { "\($0.stage) \($0.state)" }.joined(separator: ", "))
        }
        var canary = "weight     \(MetricFormat.percent(status.weight))"
        if let step = status.step, let steps = status.steps { canary += ", step \(step) of \(steps)" }
        canary += ", \(status.candidateRequests) candidate requests"
        say(canary)
        if let proxy = status.proxy { say("proxy      http://\(proxy)") }
        if let d = status.lastDecision { say("judge      \(d)") }
        if let outcome = status.outcome { say("outcome    \(outcome.uppercased()): \(status.reason ?? "")") }
    }
}

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Advance the running canary to its next step (--fully: straight to 100%).")
    @OptionGroup var control: ControlOptions
    @Flag(help: "Send all traffic to the candidate and finish as promoted.")
    var fully = false
    func run() async throws { try await control.send(fully ? .promoteFully : .promote) }
}

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Hold the canary at its weight; bake time stops, automatic rollback stays armed.")
    @OptionGroup var control: ControlOptions
    func run() async throws { try await control.send(.pause) }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused canary.")
    @OptionGroup var control: ControlOptions
    func run() async throws { try await control.send(.resume) }
}
