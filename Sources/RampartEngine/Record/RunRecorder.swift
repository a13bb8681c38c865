import Foundation
import RampartCore
import Synchronization

/// Writes a run file: the header at creation, then one line per event as it is published, then
/// the outcome line. Every line goes straight to the kernel with `write(2)`; decisions are also
/// `fsync`ed, so neither a crash of Rampart nor of the machine loses a decision already made.
public final class RunRecorder: Sendable {
    public let path: String
    private let fd: Int32
    private let failure = Mutex<String?>(nil)

    /// Creates the file (and its directory). Fails if the file exists: a recording is never overwritten.
    public init(path: String, header: RunHeader) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try PrivateState.directory(directory)
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, PrivateState.fileMode)
        guard fd >= 0 else {
            throw RecorderError(message: "cannot create run file \(path): \(String(cString: strerror(errno)))")
        }
        self.fd = fd
        try writeLine(try RunFileCodec.line(header: header), sync: true)
    }

    deinit { close(fd) }

    /// The first write error, if any; the run goes on without a complete recording, and says so.
    public var error: String? { failure.withLock { $0 } }

    public func record(_ event: RunEvent) {
        do {
            try writeLine(try RunFileCodec.line(event: event), sync: event.isDecision)
            if case .finished(let f) = event.body {
                let outcome = RunOutcomeRecord(t: event.t, outcome: f.outcome, reason: f.reason, finishedAt: Timestamp.now())
                try writeLine(try RunFileCodec.line(outcome: outcome), sync: true)
            }
        } catch {
            failure.withLock { if $0 == nil { $0 = "\(error)" } }
        }
    }

    private func writeLine(_ line: String, sync: Bool) throws {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            // A non-empty array's storage always has an address (the line ends in "\n").
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RecorderError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        bytes.removeAll()
        if sync { fsync(fd) }
    }
}

extension RunRecorder {
    /// Adds the outcome line a crashed run never wrote. A line the crash tore in half is cut off
    /// first (it was never a complete event), so the file reads cleanly afterwards.
    public static func appendOutcome(_ outcome: RunOutcomeRecord, to path: String) throws {
        try append(RunFileCodec.line(outcome: outcome), to: path)
    }

    /// Adds the record of a promotion rolled back after its run ended.
    public static func appendPromotionRollback(_ record: PromotionRollbackRecord, to path: String) throws {
        try append(RunFileCodec.line(promotionRollback: record), to: path)
    }

    /// Appends one line to a file no recorder holds any more, cutting off a torn last line first.
    static func append(_ text: String, to path: String) throws {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw RecorderError(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var size = lseek(fd, 0, SEEK_END)
        // Find the last newline; anything after it is a torn line.
        var end = size
        var byte: UInt8 = 0
        while end > 0 {
            guard pread(fd, &byte, 1, end - 1) == 1 else { break }
            if byte == 0x0A { break }
            end -= 1
        }
        if end < size {
            guard ftruncate(fd, end) == 0 else { throw RecorderError(message: "cannot repair \(path): \(String(cString: strerror(errno)))") }
            size = end
        }
        let line = Array((text + "\n").utf8)
        let written = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, size) }
        guard written == line.count else { throw RecorderError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
        guard fsync(fd) == 0 else { throw RecorderError(message: "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}

public struct RecorderError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

public enum Timestamp {
    public static func now() -> String { iso(Date()) }

    public static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    /// `20261127T103321Z`, for file names that sort by time.
    public static func compact(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date)
    }
}
