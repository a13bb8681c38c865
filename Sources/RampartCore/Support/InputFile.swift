import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Reads an input file as UTF-8 text, or fails with a diagnostic that names the file and says
/// why (`No such file or directory`, `Permission denied`), at the exact line and column of the
/// first byte that is not UTF-8 or of a line too long to be anything but a mistake or an attack.
public enum InputFile {
    /// The longest line accepted. A dataset item, a run-file event or a spec line is kilobytes;
    /// a 100 MB line is a wrong file or an attempt to exhaust memory in the parsers after it.
    public static let maxLineBytes = 16 << 20

    public static func read(_ path: String, what: String) throws(InvalidInput) -> String {
        try decode(try bytes(path, what: what), file: path, what: what)
    }

    /// The file's bytes. Only regular files: a spec naming `/dev/zero` or a FIFO as its prompt
    /// template must be an error, not a read that never ends.
    public static func bytes(_ path: String, what: String) throws(InvalidInput) -> Data {
        let (fd, info) = try openRegular(path, what: what)
        defer { close(fd) }
        func fail(_ why: String) -> InvalidInput { cannotRead(path, what: what, why) }
        var data = Data(count: Int(info.st_size))
        var filled = 0
        while filled < data.count {
            // The loop runs only while `data` is not empty, so its storage has an address.
            let n = data.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw fail(String(cString: strerror(errno))) }
            if n == 0 { break }  // shrank while being read: keep what was there
            filled += n
        }
        data.count = filled
        return data
    }

    /// An open descriptor for a regular file, and its size; the caller closes it.
    static func openRegular(_ path: String, what: String) throws(InvalidInput) -> (fd: Int32, info: stat) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw cannotRead(path, what: what, String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw cannotRead(path, what: what, why)
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw cannotRead(
                path, what: what, (info.st_mode & S_IFMT) == S_IFDIR ? "it is a directory" : "not a regular file (a device, socket or FIFO)")
        }
        return (fd, info)
    }

    static func cannotRead(_ path: String, what: String, _ why: String) -> InvalidInput {
        InvalidInput([Diagnostic(file: path, line: 1, column: 1, path: "", message: "cannot read \(what): \(why)")])
    }

    static func tooLong(_ file: String, what: String, line: Int, bytes: Int) -> InvalidInput {
        let size = String(format: "%.1f", Double(bytes) / 1_048_576)
        return InvalidInput([
            Diagnostic(
                file: file, line: line, column: 1, path: "",
                message: "line \(line) of \(what) is \(size) MB long; lines over \(maxLineBytes >> 20) MB are refused")
        ])
    }

    static func notUTF8(_ file: String, what: String, at: (line: Int, column: Int, byte: UInt8)) -> InvalidInput {
        InvalidInput([
            Diagnostic(
                file: file, line: at.line, column: at.column, path: "",
                message: "\(what) is not valid UTF-8 (byte 0x\(String(at.byte, radix: 16, uppercase: true)) at line \(at.line), column \(at.column))")
        ])
    }

    /// Checks line lengths and UTF-8, then gives the text. Used for standard input as well.
    public static func decode(_ data: Data, file: String, what: String) throws(InvalidInput) -> String {
        try check(data, file: file, what: what)
        return String(decoding: data, as: UTF8.self)
    }

    /// `decode`'s checks, with the same errors, without making the `String`: for a reader of
    /// the bytes themselves (`rampart score`), where the copy cost as much as reading a line.
    public static func check(_ data: Data, file: String, what: String) throws(InvalidInput) {
        if let long = longLine(in: data) { throw tooLong(file, what: what, line: long.line, bytes: long.bytes) }
        if !data.withUnsafeBytes({ FileLines.isUTF8($0) }) { throw notUTF8(file, what: what, at: firstInvalidUTF8(in: data)) }
    }

    /// The first line longer than `maxLineBytes`, with its number and length.
    static func longLine(in data: Data) -> (line: Int, bytes: Int)? {
        guard data.count > maxLineBytes else { return nil }
        return data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> (line: Int, bytes: Int)? in
            guard let base = raw.baseAddress else { return nil }
            var start = 0
            var line = 1
            while start < raw.count {
                let rest = raw.count - start
                var end = raw.count
                if let found = memchr(base + start, 0x0A, rest) { end = UnsafeRawPointer(found) - base }
                if end - start > maxLineBytes { return (line, end - start) }
                start = end + 1
                line += 1
            }
            return nil
        }
    }

    /// Where decoding fails: line and column (in characters, 1-based) and the offending byte.
    static func firstInvalidUTF8(in data: Data) -> (line: Int, column: Int, byte: UInt8) {
        var line = 1
        var column = 1
        var offset = 0
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = data.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
                if encoded.count == 1 && encoded.first == 0x0A {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .error:
                return (line, column, data[data.startIndex + offset])
            case .emptyInput:
                return (line, column, 0)
            }
        }
    }
}
