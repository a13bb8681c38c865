import Foundation
import RampartCore

/// A run's claim on live traffic, held in `.rampart/live/PID.json` from before the canary can
/// move a weight until the outcome is recorded. A lock whose process is gone (`kill -9`, a power
/// cut, a crash the handlers could not catch) marks a run whose traffic may still be on the
/// candidate: `rampart run` refuses to start another canary, and `rampart recover` puts the
/// router back where the run file says it belongs.
public struct RunLock: Sendable, Codable, Equatable {
    public var pid: Int32
    public var host: String
    /// Absolute paths: recovery may run from another directory.
    public var runFile: String
    public var specFile: String
    public var specSHA256: String
    /// The router the canary drives, in words (`file flags/canary.json`).
    public var router: String
    public var startedAt: String

    public static let directory = ".rampart/live"

    public init(pid: Int32, host: String, runFile: String, specFile: String, specSHA256: String, router: String, startedAt: String) {
        self.pid = pid
        self.host = host
        self.runFile = runFile
        self.specFile = specFile
        self.specSHA256 = specSHA256
        self.router = router
        self.startedAt = startedAt
    }

    enum CodingKeys: String, CodingKey {
        case pid, host, router
        case runFile = "run_file"
        case specFile = "spec_file"
        case specSHA256 = "spec_sha256"
        case startedAt = "started_at"
    }

    public static func path(pid: Int32, in directory: String = RunLock.directory) -> String {
        (directory as NSString).appendingPathComponent("\(pid).json")
    }

    /// Written atomically (temporary file, fsync, rename), owner-only.
    public func write(in directory: String = RunLock.directory) throws {
        try PrivateState.directory(directory)
        let data = try JSONEncoder().encode(self)
        let target = Self.path(pid: pid, in: directory)
        let temp = target + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, PrivateState.fileMode)
        guard fd >= 0 else { throw RecorderError(message: "cannot write \(temp): \(String(cString: strerror(errno)))") }
        _ = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard rename(temp, target) == 0 else { throw RecorderError(message: "cannot write \(target): \(String(cString: strerror(errno)))") }
    }

    public func remove(in directory: String = RunLock.directory) {
        unlink(Self.path(pid: pid, in: directory))
    }

    /// Whether the process that holds the lock still runs (on this host; a lock from another
    /// host cannot be checked and counts as alive).
    public var isAlive: Bool {
        guard host == ProcessInfo.processInfo.hostName else { return true }
        return kill(pid, 0) == 0 || errno == EPERM
    }

    public static func all(in directory: String = RunLock.directory) -> [RunLock] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: (directory as NSString).appendingPathComponent(name)) else { return nil }
            return try? JSONDecoder().decode(RunLock.self, from: data)
        }
    }

    /// Runs that ended without recording an outcome.
    public static func crashed(in directory: String = RunLock.directory) -> [RunLock] {
        all(in: directory).filter { !$0.isAlive }
    }

    /// One line for an operator.
    public var summary: String {
        "\(runFile) (pid \(pid), started \(startedAt), router \(router)) ended without recording an outcome"
    }
}
