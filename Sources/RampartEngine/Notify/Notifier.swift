import Foundation
import RampartCore

/// What a notification says: enough for a chat message or a ticket without opening the run file.
public struct NotificationPayload: Sendable, Codable, Equatable {
    public var pipeline: String
    /// What happened: an outcome, or a mid-run moment (step advanced, paused).
    public var event: NotificationTrigger
    /// The run's outcome, for notifications sent at its end.
    public var outcome: RunOutcome?
    public var reason: String
    public var candidate: String
    public var baseline: String
    public var runFile: String?
    public var time: String

    /// One line for a chat channel: Slack and compatible webhooks show the `text` field.
    public var text: String {
        let mark: String
        switch event {
        case .promoted: mark = "✅"
        case .rolledBack, .blocked, .aborted: mark = "🚨"
        case .inconclusive, .paused: mark = "⏸"
        case .stepAdvanced: mark = "➡️"
        }
        return
            "\(mark) [\(pipeline)] \(event.rawValue.replacingOccurrences(of: "_", with: " ")): \(reason) (candidate \(candidate), baseline \(baseline))"
    }

    enum CodingKeys: String, CodingKey {
        case pipeline, event, outcome, reason, candidate, baseline, time, text
        case runFile = "run_file"
    }

    public init(
        pipeline: String, event: NotificationTrigger, outcome: RunOutcome?, reason: String, candidate: String, baseline: String,
        runFile: String?, time: String
    ) {
        self.pipeline = pipeline
        self.event = event
        self.outcome = outcome
        self.reason = reason
        self.candidate = candidate
        self.baseline = baseline
        self.runFile = runFile
        self.time = time
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pipeline = try c.decode(String.self, forKey: .pipeline)
        event = try c.decode(NotificationTrigger.self, forKey: .event)
        outcome = try c.decodeIfPresent(RunOutcome.self, forKey: .outcome)
        reason = try c.decode(String.self, forKey: .reason)
        candidate = try c.decode(String.self, forKey: .candidate)
        baseline = try c.decode(String.self, forKey: .baseline)
        runFile = try c.decodeIfPresent(String.self, forKey: .runFile)
        time = try c.decode(String.self, forKey: .time)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(text, forKey: .text)
        try c.encode(pipeline, forKey: .pipeline)
        try c.encode(event, forKey: .event)
        try c.encodeIfPresent(outcome, forKey: .outcome)
        try c.encode(reason, forKey: .reason)
        try c.encode(candidate, forKey: .candidate)
        try c.encode(baseline, forKey: .baseline)
        try c.encodeIfPresent(runFile, forKey: .runFile)
        try c.encode(time, forKey: .time)
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
            if !directory.isEmpty { try PrivateState.directory(directory) }
            if !fm.fileExists(atPath: path) {
                guard fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: Int(PrivateState.fileMode)]) else {
                    return "cannot create \(path)"
                }
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
            "RAMPART_PIPELINE": payload.pipeline, "RAMPART_EVENT": payload.event.rawValue, "RAMPART_OUTCOME": payload.outcome?.rawValue ?? "",
            "RAMPART_REASON": payload.reason,
            "RAMPART_CANDIDATE": payload.candidate, "RAMPART_BASELINE": payload.baseline, "RAMPART_RUN_FILE": payload.runFile ?? "",
            "RAMPART_NOTIFICATION": json,
        ]
        let result = await ShellRunner.run(command, directory: directory, timeout: timeout, environment: env, keepLines: 3)
        if result.timedOut { return "timed out after \(DurationText.format(timeout))" }
        if result.exitCode != 0 { return "exit \(result.exitCode)" + (result.tail.last.map { ": \($0)" } ?? "") }
        return nil
    }
}
