import Foundation
import RampartCore
import RampartNet
import Synchronization

/// Moves the candidate's share of traffic. Every implementation either applies the weight or
/// throws; the engine treats a throw as "traffic is somewhere unknown" and forces weight 0.
public protocol TrafficRouter: Sendable {
    var name: String { get }
    /// What the router touches, for the event log: a proxy address, a file, a command.
    var detail: String { get }
    func setWeight(_ percent: Double) async throws(RouterError)
    /// Leaves traffic, already at `percent`, where it can stay once this process is gone (after
    /// the outcome, or in `rampart recover`). Nothing to do for most routers; one that sent
    /// traffic through Rampart's meters hands it to the versions' own servers.
    func settle(_ percent: Double) async throws(RouterError)
    /// Checks, before the canary's first weight, that the router can do its job from where
    /// things are (a Lambda alias on the baseline, both versions published). A failure stops
    /// the canary before any traffic moves.
    func prepare() async throws(RouterError)
    /// The candidate's share as the router's own store says it now, for recovering a run that
    /// left no lock behind (a CI container stopped mid-canary); nil when the router cannot read
    /// it back (a command, a proxy that lived in the process).
    func current() async throws(RouterError) -> Double?
}

extension TrafficRouter {
    public func settle(_ percent: Double) async throws(RouterError) {}
    public func prepare() async throws(RouterError) {}
    public func current() async throws(RouterError) -> Double? { nil }
}

public struct RouterError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The weight as text for files and commands: `5`, `12.5`, never `5.0`.
enum WeightText {
    static func format(_ w: Double) -> String {
        w == w.rounded() && abs(w) < 1e15 ? String(Int(w)) : String(format: "%g", w)
    }
}

/// The engine's own split of in-process sim traffic: a number the traffic source reads.
public final class InProcessRouter: TrafficRouter {
    private let current = Mutex(0.0)
    public init() {}
    public var name: String { "builtin" }
    public var detail: String { "in-process split" }
    public var weight: Double { current.withLock { $0 } }
    public func setWeight(_ percent: Double) async throws(RouterError) {
        current.withLock { $0 = percent }
    }
}

/// Sets the weight on Rampart's weighted proxy.
public struct ProxyRouter: TrafficRouter {
    public let proxy: WeightedProxy
    public let address: String
    public init(proxy: WeightedProxy, address: String) {
        self.proxy = proxy
        self.address = address
    }
    public var name: String { "builtin" }
    public var detail: String { "proxy \(address)" }
    public func setWeight(_ percent: Double) async throws(RouterError) {
        do { try proxy.setWeight(percent) } catch { throw RouterError(error.description) }
    }
}

/// Writes a feature-flag document the app polls, the way an app reading AWS AppConfig or a
/// LaunchDarkly-style flag file ramps: `{"canary_weight": 20, ...}`. The write is atomic (a
/// temporary file in the same directory, fsync, rename), so a reader never sees half a file.
public struct FileRouter: TrafficRouter {
    public let path: String
    public let baseline: String
    public let candidate: String

    public init(path: String, baseline: String, candidate: String) {
        self.path = path
        self.baseline = baseline
        self.candidate = candidate
    }

    public var name: String { "file" }
    public var detail: String { path }

    public func setWeight(_ percent: Double) async throws(RouterError) {
        let doc = FlagDocument(canaryWeight: percent, baseline: baseline, candidate: candidate, updatedAt: Timestamp.now())
        try FileRouter.atomicWrite(doc.encoded(), to: path)
    }

    /// The flag's weight; no file is the baseline (the app's default before any canary).
    public func current() async throws(RouterError) -> Double? {
        guard FileManager.default.fileExists(atPath: path) else { return 0 }
        switch FlagDocument.weight(inFile: path) {
        case .success(let w): return w
        case .failure(let problem): throw RouterError(problem.message)
        }
    }

    /// Writes `bytes` to `path` so a reader sees the old file or the new one, never half:
    /// a temporary file in the same directory, fsync, rename.
    static func atomicWrite(_ bytes: [UInt8], to path: String) throws(RouterError) {
        let directory = (path as NSString).deletingLastPathComponent
        let temp = (directory.isEmpty ? "." : directory) + "/.\((path as NSString).lastPathComponent).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw RouterError("cannot write \(temp): \(String(cString: strerror(errno)))") }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard written == bytes.count, synced else {
            unlink(temp)
            throw RouterError("cannot write \(temp): \(String(cString: strerror(errno)))")
        }
        guard rename(temp, path) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(temp)
            throw RouterError("cannot replace \(path): \(why)")
        }
    }
}

/// Runs a user command with `{weight}` replaced: the escape hatch for `aws lambda
/// update-alias`, `kubectl argo rollouts set weight` and the like. Non-zero exit or a timeout is
/// a failure, reported with the command's last output line.
public struct CommandRouter: TrafficRouter {
    public let command: String
    public let directory: String
    public let timeout: Double
    let redactor: Redactor

    public init(command: String, directory: String, timeout: Double, redactor: Redactor = Redactor(environment: [:], named: [])) {
        self.command = command
        self.directory = directory
        self.timeout = timeout
        self.redactor = redactor
    }

    public var name: String { "command" }
    public var detail: String { command }

    public func setWeight(_ percent: Double) async throws(RouterError) {
        let line = command.replacingOccurrences(of: "{weight}", with: WeightText.format(percent))
        let r = await ShellRunner.run(line, directory: directory, timeout: timeout, environment: ["RAMPART_WEIGHT": WeightText.format(percent)])
        if r.timedOut { throw RouterError("`\(redactor.redact(line))` timed out after \(DurationText.format(timeout))") }
        if r.exitCode != 0 {
            let last = r.tail.last.map { ": \(redactor.redact($0))" } ?? ""
            throw RouterError("`\(redactor.redact(line))` exited \(r.exitCode)\(last)")
        }
    }
}
