import Foundation
import Synchronization

/// Runs `/bin/sh -c COMMAND` with a timeout, capturing combined stdout and stderr.
///
/// Builds and notification hooks are user commands: they may hang or flood output, so the
/// runner kills on timeout (TERM, then KILL after two seconds) and keeps only the tail.
public enum ShellRunner {
    public struct Result: Sendable, Equatable {
        public var exitCode: Int32
        public var timedOut: Bool
        public var duration: Double
        public var tail: [String]
    }

    public static func run(
        _ command: String, directory: String, timeout: Double, environment: [String: String] = [:], keepLines: Int = 20
    ) async -> Result {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: runBlocking(command, directory: directory, timeout: timeout, environment: environment, keepLines: keepLines))
            }
        }
    }

    static func runBlocking(_ command: String, directory: String, timeout: Double, environment: [String: String], keepLines: Int) -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let started = ContinuousClock.now
        do {
            try process.run()
        } catch {
            return Result(exitCode: 127, timedOut: false, duration: 0, tail: ["cannot start /bin/sh: \(error.localizedDescription)"])
        }
        let timedOut = Mutex(false)
        let pid = process.processIdentifier
        let timer = DispatchWorkItem {
            guard process.isRunning else { return }
            timedOut.withLock { $0 = true }
            // Foundation starts the shell as a process group leader: signal the whole group, so a
            // child left behind (a `sleep`) cannot hold the output pipe open past the timeout.
            let grouped = getpgid(pid) == pid
            kill(grouped ? -pid : pid, SIGTERM)
            DispatchQueue.global().asyncAfter(deadline: .now() + 2) { kill(grouped ? -pid : pid, SIGKILL) }
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: timer)
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        timer.cancel()
        let elapsed = ContinuousClock.now - started
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        if lines.count > keepLines { lines = Array(lines.suffix(keepLines)) }
        let code: Int32 = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Result(
            exitCode: code, timedOut: timedOut.withLock { $0 },
            duration: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18, tail: lines)
    }
}
