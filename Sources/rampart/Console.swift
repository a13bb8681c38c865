import Foundation
import RampartCore
import RampartEngine

/// Prints a line that may carry text from outside (a run file, a reason, an operator's name),
/// made safe for the terminal first.
func say(_ line: String) {
    print(TerminalText.sanitize(line))
}

/// Standard output written in blocks, for output printed all at once (a replay, a scored
/// file) rather than as it happens. Flush `print`'s buffer before mixing the two.
enum BlockOutput {
    /// Writes all of `bytes` to standard output, unbuffered.
    static func write(_ bytes: [UInt8]) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }  // stdout closed: nothing more can be shown
            done += n
        }
    }

    /// Each of `items` that `line` turns into a line, sanitized and written in order. A long
    /// recording's lines are made on up to all cores, a block at a time (memory stays bounded):
    /// formatting was a tenth of a headless replay, and each line depends only on its item.
    static func writeLines<Item: Sendable>(_ items: [Item], _ line: @escaping @Sendable (Item) -> String?) {
        let block = 1 << 14
        let cores = min(max(1, ProcessInfo.processInfo.activeProcessorCount), 8)
        var start = 0
        while start < items.count {
            let end = min(items.count, start + block)
            let parts = end - start < 1_024 ? 1 : cores
            let slice = items[start..<end]
            let buffers = Buffers(count: parts)
            defer { buffers.free() }
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var bytes: [UInt8] = []
                let n = slice.count
                for item in slice.dropFirst(part * n / parts).prefix((part + 1) * n / parts - part * n / parts) {
                    guard let text = line(item) else { continue }
                    bytes.append(contentsOf: TerminalText.sanitize(text).utf8)
                    bytes.append(0x0A)
                }
                buffers.set(part, bytes)
            }
            for part in 0..<parts { write(buffers.get(part)) }
            start = end
        }
    }

    /// One result per part, each written by its own part only, read after all have finished.
    private struct Buffers: @unchecked Sendable {
        let storage: UnsafeMutableBufferPointer<[UInt8]>
        init(count: Int) {
            storage = .allocate(capacity: count)
            storage.initialize(repeating: [])
        }
        func set(_ i: Int, _ bytes: [UInt8]) { storage[i] = bytes }
        func get(_ i: Int) -> [UInt8] { storage[i] }
        func free() {
            storage.deinitialize()
            storage.deallocate()
        }
    }
}

enum Console {
    static func error(_ message: String) {
        FileHandle.standardError.write(Data((TerminalText.sanitize(message) + "\n").utf8))
    }

    /// One line per secret variable the spec names that the environment lacks; true if any.
    static func reportMissingSecrets(_ spec: PipelineSpec, file: String, gatesOnly: Bool = false) -> Bool {
        let missing = RunAssembly.preflight(spec, environment: ProcessInfo.processInfo.environment, gatesOnly: gatesOnly)
        for m in missing { error("error: \(file): \(m)") }
        return !missing.isEmpty
    }

    /// Runs in this directory that died with their canary live, for `runs` and `status`.
    static func warnCrashedRuns() {
        for lock in RunLock.crashed() {
            error("warning: \(lock.summary); its traffic may still be on the candidate: run `rampart recover`")
        }
    }

    static func report(_ invalid: InvalidInput) {
        for d in invalid.diagnostics { error("error: \(d)") }
        let n = invalid.diagnostics.count
        error("\(n) problem\(n == 1 ? "" : "s") found")
    }
}
