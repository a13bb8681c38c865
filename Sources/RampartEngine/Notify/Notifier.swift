import Foundation
import RampartCore

/// What a notification says: enough for a chat message or a ticket without opening the run file.
public struct NotificationPayload: Sendable, Codable, Equatable {
    public var pipeline: String
    public var outcome: RunOutcome
    public var reason: String
    public var candidate: String
    public var baseline: String
    public var runFile: String?
    public var time: String

    enum CodingKeys: String, CodingKey {
        case pipeline, outcome, reason, candidate, baseline, time
        case runFile = "run_file"
    }
}

/// A channel that tells people about an outcome. Delivery failures are reported as events, and
/// never change the outcome.
public protocol Notifier: Sendable {
    var channel: String { get }
    func send(_ payload: NotificationPayload) async -> String?
}

/// Appends one JSON object per notification to a file (a log shipper or a test can tail it).
public struct FileNotifier: Notifier {
    public let path: String
    public var channel: String { "file:\(path)" }

    public init(path: String) { self.path = path }

    public func send(_ payload: NotificationPayload) async -> String? {
        do {
            var line = try RunFileCodec.encoder().encode(payload)
            line.append(0x0A)
            let fm = FileManager.default
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try fm.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            if !fm.fileExists(atPath: path) {
                guard fm.createFile(atPath: path, contents: nil) else { return "cannot create \(path)" }
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: line)
            return nil
        } catch {
            return "cannot write \(path): \(error.localizedDescription)"
        }
    }
}

/// Runs a shell command with the notification in `RAMPART_*` variables: the hook for Slack CLIs,
/// `aws sns publish`, `mail`, and anything else.
public struct CommandNotifier: Notifier {
    public let command: String
    public let directory: String
    public let timeout: Double
    public var channel: String { "command" }

    public init(command: String, directory: String, timeout: Double) {
        self.command = command
        self.directory = directory
        self.timeout = timeout
    }

    public func send(_ payload: NotificationPayload) async -> String? {
        let json = (try? RunFileCodec.encoder().encode(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let env = [
            "RAMPART_PIPELINE": payload.pipeline, "RAMPART_OUTCOME": payload.outcome.rawValue, "RAMPART_REASON": payload.reason,
            "RAMPART_CANDIDATE": payload.candidate, "RAMPART_BASELINE": payload.baseline, "RAMPART_RUN_FILE": payload.runFile ?? "",
            "RAMPART_NOTIFICATION": json,
        ]
        let result = await ShellRunner.run(command, directory: directory, timeout: timeout, environment: env, keepLines: 3)
        if result.timedOut { return "timed out after \(DurationText.format(timeout))" }
        if result.exitCode != 0 { return "exit \(result.exitCode)" + (result.tail.last.map { ": \($0)" } ?? "") }
        return nil
    }
}
