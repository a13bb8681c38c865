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
/// output or leave children behind. The shell runs under coreutils' `timeout` in a process group
/// of its own: the deadline (TERM, then KILL two seconds later, to the whole group) is kept by a
/// process, so it holds however busy this one is. A timer here also signals the group at the
/// deadline, for children left holding the output pipe after the shell has exited. Output is
/// streamed and only its tail is kept, so a flood costs no memory.
public enum ShellRunner {
    public struct Result: Sendable, Equatable {
        public var exitCode: Int32
        public var timedOut: Bool
        public var duration: Double
        public var tail: [String]
    }

    /// Where deadlines fire: a queue of its own gets a thread even when the global ones are busy.
    static let deadlines = DispatchQueue(label: "rampart.shell-deadlines")

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
        // The deadline is kept by a timer on a queue of its own, not a task: when CPU-bound work
        // holds every cooperative thread, or blocking calls every global-queue thread (there are
        // as many as cores), a command that finished in time is not called timed out, and one
        // that did not is still stopped on time.
        let seconds = min(max(timeout, 0.001), 86_400 * 365)
        let deadline = DispatchWorkItem { running.deadlinePassed() }
        Self.deadlines.asyncAfter(deadline: .now() + seconds, execute: deadline)
        let (executable, arguments) = Self.watched(command, seconds: seconds)
        defer { deadline.cancel() }
        do {
            let result = try await Subprocess.run(
                executable, arguments: arguments, environment: .inherit.updating(updates),
                workingDirectory: FilePath(directory), platformOptions: platformOptions, input: .none, output: .sequence,
                error: .combinedWithOutput
            ) { execution in
                running.started(execution.processIdentifier.value)
                var tail = OutputTail(limit: tailBytes)
                for try await buffer in execution.standardOutput { buffer.withUnsafeBytes { tail.append($0) } }
                return tail.bytes
            }
            running.exited()
            let duration = Self.seconds(since: started)
            var code: Int32 =
                switch result.terminationStatus {
                case .exited(let c): c
                case .signaled(let s): 128 + s
                }
            // `timeout` exits 124 when its TERM ended the command (a command that kept running
            // after TERM until KILL is seen by the timer here, which finds it still running).
            let watchdog = Self.hasWatchdog && code == 124 && duration >= seconds * 0.99
            if watchdog { code = 128 + SIGTERM }
            return Result(
                exitCode: code, timedOut: watchdog || running.timedOut, duration: duration, tail: lines(result.closureResult, keep: keepLines))
        } catch {
            running.exited()
            return Result(
                exitCode: 127, timedOut: false, duration: Self.seconds(since: started), tail: ["cannot start /bin/sh in \(directory): \(error)"])
        }
    }

    static let hasWatchdog = FileManager.default.isExecutableFile(atPath: "/usr/bin/timeout")

    /// `timeout -s TERM -k 2 SECONDS /bin/sh -c COMMAND`, or the shell alone where coreutils'
    /// `timeout` is missing (the timer here then keeps the deadline by itself).
    static func watched(_ command: String, seconds: Double) -> (Executable, Arguments) {
        guard hasWatchdog else { return (.path("/bin/sh"), ["-c", command]) }
        return (.path("/usr/bin/timeout"), ["-s", "TERM", "-k", "2", String(format: "%.3f", seconds), "/bin/sh", "-c", command])
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

/// The shell's pid (its group's id) while it may still run, and whether its deadline passed.
/// The pid is cleared as soon as the shell has been waited for, so a timeout never signals a
/// group id the system has since handed on.
private final class RunningShell: Sendable {
    private let state = Mutex<(pid: pid_t?, late: Bool, timedOut: Bool)>((nil, false, false))

    var timedOut: Bool { state.withLock { $0.timedOut } }

    /// A deadline that passed before the shell was known stops it as soon as it is.
    func started(_ pid: pid_t) {
        let late = state.withLock { s in
            s.pid = pid
            return s.late
        }
        if late { deadlinePassed() }
    }

    func exited() { state.withLock { $0.pid = nil } }

    /// TERM to the whole group, KILL two seconds later. The command timed out if the shell was
    /// still running; one that had exited (even if not yet waited for, on a busy machine) ran
    /// within its time, and the signals only reach children it left holding the output open.
    func deadlinePassed() {
        let signalled = state.withLock { s -> Bool in
            s.late = true
            guard let pid = s.pid else { return false }
            if Self.isRunning(pid) { s.timedOut = true }
            kill(-pid, SIGTERM)
            return true
        }
        guard signalled else { return }
        ShellRunner.deadlines.asyncAfter(deadline: .now() + 2) { [self] in
            state.withLock { s in if let pid = s.pid { kill(-pid, SIGKILL) } }
        }
    }

    /// Whether the child has not exited, without reaping it (the runner waits for it).
    static func isRunning(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return false }
        return info._sifields._sigchld.si_pid == 0
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
