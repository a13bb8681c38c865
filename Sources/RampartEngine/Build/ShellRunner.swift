import Foundation
import Subprocess
import Synchronization

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Runs `/bin/sh -c COMMAND` with a timeout, capturing combined stdout and stderr.
///
/// Builds, command routers and notification hooks are user commands: they may hang, flood
/// output or leave children behind. The shell runs in its own process group, so a timeout
/// (TERM, then KILL two seconds later) reaches a child that would otherwise hold the output
/// pipe open; output is streamed and only its tail is kept, so a flood costs no memory.
public enum ShellRunner {
    public struct Result: Sendable, Equatable {
        public var exitCode: Int32
        public var timedOut: Bool
        public var duration: Double
        public var tail: [String]
    }

    /// How much trailing output is held while a command runs; the kept lines come from it.
    static let tailBytes = 64 << 10

    public static func run(
        _ command: String, directory: String, timeout: Double, environment: [String: String] = [:], keepLines: Int = 20
    ) async -> Result {
        var options = PlatformOptions()
        // 0: a new group whose id is the shell's pid, as `setpgid(0, 0)` makes.
        options.processGroupID = 0
        let updates = Dictionary(uniqueKeysWithValues: environment.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) })
        let started = ContinuousClock.now
        let running = RunningShell()
        let platformOptions = options
        do {
            let result = try await withThrowingTaskGroup(of: ExecutionResult<[UInt8], SequenceOutput, CombinedErrorOutput>?.self) { group in
                group.addTask {
                    defer { running.exited() }
                    return try await Subprocess.run(
                        .path("/bin/sh"), arguments: ["-c", command], environment: .inherit.updating(updates),
                        workingDirectory: FilePath(directory), platformOptions: platformOptions, input: .none, output: .sequence,
                        error: .combinedWithOutput
                    ) { execution in
                        running.started(execution.processIdentifier.value)
                        var tail = OutputTail(limit: tailBytes)
                        for try await buffer in execution.standardOutput { buffer.withUnsafeBytes { tail.append($0) } }
                        return tail.bytes
                    }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(min(timeout, 86_400 * 365)))
                    running.timeOut()
                    try await Task.sleep(for: .seconds(2))
                    running.signal(SIGKILL)
                    return nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let finished = next { return finished }
                }
                throw CancellationError()
            }
            let code: Int32 =
                switch result.terminationStatus {
                case .exited(let c): c
                case .signaled(let s): 128 + s
                }
            return Result(
                exitCode: code, timedOut: running.timedOut, duration: seconds(since: started), tail: lines(result.closureResult, keep: keepLines))
        } catch {
            return Result(exitCode: 127, timedOut: false, duration: seconds(since: started), tail: ["cannot start /bin/sh in \(directory): \(error)"])
        }
    }

    static func lines(_ bytes: [UInt8], keep: Int) -> [String] {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        return lines.count > keep ? Array(lines.suffix(keep)) : lines
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}

/// The shell's pid (its group's id) while it may still run, cleared as soon as it has been
/// waited for, so a timeout never signals a group id the system has since handed on.
private final class RunningShell: Sendable {
    private let state = Mutex<(pid: pid_t?, timedOut: Bool)>((nil, false))

    func started(_ pid: pid_t) { state.withLock { $0.pid = pid } }
    func exited() { state.withLock { $0.pid = nil } }
    var timedOut: Bool { state.withLock { $0.timedOut } }

    func timeOut() {
        state.withLock { $0.timedOut = true }
        signal(SIGTERM)
    }

    func signal(_ number: Int32) {
        state.withLock { s in if let pid = s.pid { kill(-pid, number) } }
    }
}

/// The last `limit` bytes of a stream, held in at most twice that.
struct OutputTail {
    let limit: Int
    private(set) var bytes: [UInt8] = []

    init(limit: Int) { self.limit = limit }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk.suffix(limit))
        if bytes.count > 2 * limit { bytes.removeFirst(bytes.count - limit) }
    }
}
