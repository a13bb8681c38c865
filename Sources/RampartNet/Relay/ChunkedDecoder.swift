/// Decodes a chunked body (RFC 9112 §7.1) as its bytes arrive, resuming where the last call
/// stopped, so a large body read in many pieces is scanned once.
struct ChunkedDecoder {
    private enum State {
        case size
        case data(remaining: Int)
        case dataEnd
        case trailers
        case done
    }

    private var state = State.size
    /// The body so far, chunk framing removed.
    private(set) var body: [UInt8] = []
    var isDone: Bool {
        if case .done = state { return true }
        return false
    }

    /// Consumes what it can of `bytes[from...]` and returns where it stopped (the end of the
    /// message once `isDone`). Throws on framing that is not chunked encoding, or a body over
    /// `limit`.
    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) throws(HTTP1Error) -> Int {
        var i = from
        while i < bytes.count {
            switch state {
            case .size:
                guard let newline = line(bytes, from: i) else { return try unfinished(bytes, i) }
                // The size in hex, then optional extensions after ';' (ignored).
                var size = 0
                var digits = 0
                var k = i
                while k < newline.end, let d = hex(bytes[k]) {
                    size = size &* 16 &+ d
                    digits += 1
                    k += 1
                    guard digits <= 15 else { throw HTTP1Error(status: 400, reason: "chunk size too large") }
                }
                guard digits > 0, k == newline.end || bytes[k] == UInt8(ascii: ";") || bytes[k] == 0x20 || bytes[k] == 0x09 else {
                    throw HTTP1Error(status: 400, reason: "malformed chunk size")
                }
                guard body.count + size <= limit else { throw HTTP1Error(status: 413, reason: "body over \(limit) bytes") }
                i = newline.next
                state = size == 0 ? .trailers : .data(remaining: size)
            case .data(let remaining):
                let n = min(remaining, bytes.count - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + n)]))
                i += n
                state = remaining == n ? .dataEnd : .data(remaining: remaining - n)
            case .dataEnd:
                guard let newline = line(bytes, from: i) else { return i }
                guard newline.end == i else { throw HTTP1Error(status: 400, reason: "chunk data longer than its size") }
                i = newline.next
                state = .size
            case .trailers:
                // Trailer fields are read and dropped; an empty line ends the message.
                guard let newline = line(bytes, from: i) else { return try unfinished(bytes, i) }
                i = newline.next
                if newline.end == newline.start { state = .done }
            case .done:
                return i
            }
        }
        return i
    }

    /// Where a line that has not ended yet leaves the feed; one longer than any size or trailer
    /// line has reason to be is an error, not something to buffer without end.
    private func unfinished(_ bytes: UnsafeBufferPointer<UInt8>, _ i: Int) throws(HTTP1Error) -> Int {
        guard bytes.count - i <= HTTP1Parser.maxHeadBytes else { throw HTTP1Error(status: 400, reason: "chunk line too long") }
        return i
    }

    /// The line starting at `from`: where its content ends (before CR LF or LF) and where the
    /// next begins; nil until its end has arrived.
    private func line(_ bytes: UnsafeBufferPointer<UInt8>, from: Int) -> (start: Int, end: Int, next: Int)? {
        var k = from
        while k < bytes.count {
            if bytes[k] == 0x0A {
                let end = k > from && bytes[k - 1] == 0x0D ? k - 1 : k
                return (from, end, k + 1)
            }
            k += 1
        }
        return nil
    }

    private func hex(_ b: UInt8) -> Int? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(b - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(b - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(b - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
