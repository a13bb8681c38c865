import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file's lines, read in chunks so memory is bounded by the longest line rather than the
/// file: a day-long run file is hundreds of megabytes, and reading it whole (then splitting it
/// into Strings) cost more than the parsing. The checks are `InputFile`'s: a regular file only,
/// no line over `InputFile.maxLineBytes`, UTF-8 with the line and column of the first bad byte.
public enum FileLines {
    public struct Line {
        /// The line's bytes without its LF (a CR before it is kept). Valid only inside the call.
        public let bytes: UnsafeRawBufferPointer
        /// 1-based.
        public let number: Int
        /// False for a last line without LF: a writer cut off mid-line, or an editor adding none.
        public let terminated: Bool
        /// Always true for a terminated line (a bad one throws). A cut-off last line may end
        /// inside a character, so whether to refuse it is the caller's call.
        public let isUTF8: Bool
    }

    /// 128 KB: the buffer stays in the core's L2 cache between the kernel's copy into it and
    /// the scan over it. At 1 MB that copy was a quarter of a long replay's CPU.
    static let chunk = 1 << 17

    public static func forEach(_ path: String, what: String, _ body: (Line) throws(InvalidInput) -> Void) throws(InvalidInput) {
        let (fd, _) = try InputFile.openRegular(path, what: what)
        defer { close(fd) }
        var capacity = chunk
        // Why `!`: malloc of 1 MB fails only when the process is out of memory anyway.
        var base = malloc(capacity)!
        defer { free(base) }
        var start = 0
        var end = 0
        var number = 1
        var skipped = 0  // bytes of a too-long line already dropped, to report its full length
        while true {
            while start < end, let found = memchr(base + start, 0x0A, end - start) {
                let stop = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                if skipped > 0 { throw InputFile.tooLong(path, what: what, line: number, bytes: skipped + stop - start) }
                let line = UnsafeRawBufferPointer(start: base + start, count: stop - start)
                if line.count > InputFile.maxLineBytes { throw InputFile.tooLong(path, what: what, line: number, bytes: line.count) }
                guard isUTF8(line) else { throw InputFile.notUTF8(path, what: what, at: invalidUTF8(line, number: number)) }
                try body(Line(bytes: line, number: number, terminated: true, isUTF8: true))
                number += 1
                start = stop + 1
            }
            // What is left is the start of a line: move it to the front, then read on.
            if start > 0 {
                memmove(base, base + start, end - start)
                end -= start
                start = 0
            }
            if end > InputFile.maxLineBytes {
                skipped += end
                end = 0
            }
            if end == capacity {
                capacity *= 2
                // Why `!`: as for malloc above.
                base = realloc(base, capacity)!
            }
            let n = Glibc.read(fd, base + end, capacity - end)
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw InputFile.cannotRead(path, what: what, String(cString: strerror(errno))) }
            if n == 0 { break }
            end += n
        }
        if skipped > 0 { throw InputFile.tooLong(path, what: what, line: number, bytes: skipped + end) }
        guard end > 0 else { return }
        let last = UnsafeRawBufferPointer(start: base, count: end)
        try body(Line(bytes: last, number: number, terminated: false, isUTF8: isUTF8(last)))
    }

    /// ASCII eight bytes at a time (run files are ASCII but for operators' words), then the
    /// standard library's validation for the rest.
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let count = bytes.count
        while i + 8 <= count {
            if bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 {
                return String(validating: bytes, as: UTF8.self) != nil
            }
            i += 8
        }
        while i < count {
            if bytes[i] >= 0x80 { return String(validating: bytes, as: UTF8.self) != nil }
            i += 1
        }
        return true
    }

    /// Line `number`, the column of the first bad byte, and the byte.
    public static func invalidUTF8(_ bytes: UnsafeRawBufferPointer, number: Int) -> (line: Int, column: Int, byte: UInt8) {
        let at = InputFile.firstInvalidUTF8(in: Data(bytes))
        return (number, at.column, at.byte)
    }
}
