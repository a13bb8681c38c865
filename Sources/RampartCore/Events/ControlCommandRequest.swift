import Foundation

/// A command sent to a running engine over its control socket, decoded and bounded here: pure,
/// so the socket handler only routes, and a fuzzer reaches every check.
public struct ControlCommandRequest: Sendable, Equatable {
    /// Bounds on what a client may make the run record.
    public static let maxReason = 2_000
    public static let maxOperator = 100

    public var kind: OperatorCommand.Kind
    /// The name the client claims, stripped of control characters; empty when none was given.
    public var claimedOperator: String
    public var reason: String?

    /// Why a body is refused, said to the client with HTTP 400.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The body on the wire, as a client sends it.
    public struct Body: Codable, Sendable, Equatable {
        public var command: String
        public var `operator`: String?
        public var reason: String?

        public init(command: String, operator: String?, reason: String?) {
            self.command = command
            self.operator = `operator`
            self.reason = reason
        }
    }

    public static func decode(_ body: [UInt8]) -> Result<ControlCommandRequest, Refusal> {
        guard let parsed = try? JSONDecoder().decode(Body.self, from: Data(body)) else {
            return .failure(Refusal(description: #"body must be {"command": "...", "operator": "...", "reason": "..."}"#))
        }
        guard let kind = OperatorCommand.Kind(rawValue: parsed.command) else {
            let names = OperatorCommand.Kind.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(Refusal(description: "unknown command '\(TerminalText.sanitize(String(parsed.command.prefix(100))))'; one of: \(names)"))
        }
        if let reason = parsed.reason, reason.count > maxReason {
            return .failure(Refusal(description: "the reason is \(reason.count) characters; at most \(maxReason)"))
        }
        if let name = parsed.operator, name.count > maxOperator {
            return .failure(Refusal(description: "the operator name is \(name.count) characters; at most \(maxOperator)"))
        }
        let claimed = TerminalText.sanitize(parsed.operator ?? "").trimmingCharacters(in: .whitespaces)
        let reason = parsed.reason.map(TerminalText.sanitize)
        return .success(ControlCommandRequest(kind: kind, claimedOperator: claimed, reason: reason?.isEmpty == false ? reason : nil))
    }

    /// The command as recorded: the client's claim, with the kernel's word on who called
    /// (SO_PEERCRED's user id) beside it.
    public func command(peerUID: UInt32?) -> OperatorCommand {
        let uid = peerUID.map { ", uid \($0)" } ?? ""
        let who = (claimedOperator.isEmpty ? "unknown" : claimedOperator) + " (cli\(uid))"
        return OperatorCommand(kind, operator: who, reason: reason)
    }
}

/// The engine's answer to a command: accepted, refused (with why), or sent but not yet recorded
/// (`accepted` absent). Errors come as an OpenAI-style `{"error": {"message": …}}` document.
public struct ControlCommandAnswer: Codable, Sendable, Equatable {
    public var accepted: Bool?
    public var note: String

    public init(accepted: Bool?, note: String) {
        self.accepted = accepted
        self.note = note
    }

    /// What a client shows from any answer body: the note, or the error's message, or the text.
    public static func note(from body: String) -> String {
        let data = Data(body.utf8)
        if let answer = try? JSONDecoder().decode(ControlCommandAnswer.self, from: data) { return answer.note }
        if let error = try? JSONDecoder().decode(ErrorDocument.self, from: data) { return error.error.message }
        return body
    }

    struct ErrorDocument: Decodable {
        struct Inner: Decodable { var message: String }
        var error: Inner
    }
}
