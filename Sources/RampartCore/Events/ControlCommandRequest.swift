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

    private struct Body: Decodable {
        var command: String
        var `operator`: String?
        var reason: String?
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
