import Glibc

/// The head of one HTTP/1.x message (a request's or a response's), parsed from the bytes the
/// relay has buffered: the start line, the headers as sent, and what frames the body.
///
/// The relay parses heads itself, on bytes, because this is the proxy's hot path: SwiftNIO's
/// codec and its pipeline cost more CPU per request than nginx's whole reverse proxy
/// (`rampart-bench proxy-nginx`). It keeps the head's bytes and where each field lies in them:
/// headers are copied through to the other side as bytes, and strings are made only of the few
/// the proxy reads. Anything it does not understand is an error the caller answers with a status
/// (400, 431, 501, 505) and a closed connection, never a guess.
struct HTTP1Head: Sendable {
    /// The head as received, from its start line up to (not including) the blank line.
    let raw: [UInt8]
    /// Request: method and target. Response: status code and reason. Ranges of `raw`.
    let firstField: Range<Int>
    let secondField: Range<Int>
    let fields: [HeaderField]
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int
    /// Where the body starts in the buffer the head was parsed from.
    var end: Int
    var framing: BodyFraming
    /// `Connection: close` (or, on HTTP/1.0, no `Connection: keep-alive`).
    var closes: Bool
    /// `Expect: 100-continue`: the client waits for a 100 before sending the body.
    var expectsContinue: Bool
    /// A response's status code; 0 for a request.
    var status: Int

    var first: String { text(firstField) }
    var second: String { text(secondField) }
    var headers: [(name: String, value: String)] { fields.map { (text($0.name), text($0.value)) } }

    func text(_ range: Range<Int>) -> String {
        raw.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    /// Whether the bytes at `range` are exactly `literal`.
    func bytes(_ range: Range<Int>, are literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        return raw.withUnsafeBufferPointer { memcmp($0.baseAddress! + range.lowerBound, literal.utf8Start, range.count) == 0 }
    }

    /// The value of the first header named `name` (any case), nil without one.
    func value(of name: String) -> String? {
        let found = raw.withUnsafeBufferPointer { bytes in
            fields.first { HeaderNames.equal(UnsafeBufferPointer(rebasing: bytes[$0.name]), name) }
        }
        return found.map { text($0.value) }
    }
}

/// Where one header's name and value (trimmed of spaces and tabs) lie in its head's bytes.
struct HeaderField: Sendable {
    var name: Range<Int>
    var value: Range<Int>
}

/// How a message's body is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable, Sendable {
    case length(Int)
    case chunked
    /// A response with neither: the body runs until the server closes.
    case untilClose
}

/// Why a head could not be parsed: the status a server answers with, and the reason.
struct HTTP1Error: Error, Equatable {
    var status: Int
    var reason: String
}

enum HTTP1Parser {
    /// The most a head may take, as nginx's `large_client_header_buffers` (4 × 8 KB) roughly.
    static let maxHeadBytes = 32 << 10

    /// The head at `start`, nil while its end has not arrived. Lines may end in CRLF or a bare
    /// LF (RFC 9112 §2.2 allows a recipient to accept both); empty lines before a request line
    /// are skipped.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, isRequest: Bool) throws(HTTP1Error) -> HTTP1Head? {
        guard let base = bytes.baseAddress else { return nil }
        var headStart = start
        var lineStart = start
        var lines = 0
        while true {
            guard lineStart < bytes.count, let hit = memchr(base + lineStart, 0x0A, bytes.count - lineStart) else {
                if bytes.count - start > maxHeadBytes { throw HTTP1Error(status: 431, reason: "head over \(maxHeadBytes) bytes") }
                return nil
            }
            let newline = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if newline - start > maxHeadBytes { throw HTTP1Error(status: 431, reason: "head over \(maxHeadBytes) bytes") }
            let empty = newline == lineStart || (newline == lineStart + 1 && bytes[lineStart] == 0x0D)
            if empty && lineStart == headStart {
                headStart = newline + 1
            } else if empty {
                return try head(UnsafeBufferPointer(rebasing: bytes[headStart..<lineStart]), lines: lines, end: newline + 1, isRequest: isRequest)
            } else {
                lines += 1
            }
            lineStart = newline + 1
        }
    }

    /// The head from its `lines` lines (each ending in a line feed), `end` being where its body
    /// starts.
    private static func head(_ bytes: UnsafeBufferPointer<UInt8>, lines: Int, end: Int, isRequest: Bool) throws(HTTP1Error) -> HTTP1Head {
        let bad = { (reason: String) in HTTP1Error(status: isRequest ? 400 : 502, reason: reason) }
        let raw = Array(bytes)
        let base = bytes.baseAddress!
        func line(from start: Int) -> (content: Range<Int>, next: Int) {
            let newline = base.distance(to: memchr(base + start, 0x0A, bytes.count - start)!.assumingMemoryBound(to: UInt8.self))
            return (start..<(newline > start && bytes[newline - 1] == 0x0D ? newline - 1 : newline), newline + 1)
        }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self) }
        // The start line: three fields separated by single spaces (a response's reason may hold
        // spaces, or be empty).
        let (startLine, afterStart) = line(from: 0)
        guard let space1 = startLine.first(where: { bytes[$0] == 0x20 }) else { throw bad("malformed start line") }
        let space2 = (space1 + 1..<startLine.upperBound).first { bytes[$0] == 0x20 }
        guard space2 != nil || !isRequest else { throw bad("malformed start line") }
        let first = startLine.lowerBound..<space1
        let second = (space1 + 1)..<(space2 ?? startLine.upperBound)
        let third = space2.map { ($0 + 1)..<startLine.upperBound } ?? startLine.upperBound..<startLine.upperBound
        let version = isRequest ? third : first
        let minor: Int
        if ascii(bytes, version, is: "HTTP/1.1") {
            minor = 1
        } else if ascii(bytes, version, is: "HTTP/1.0") {
            minor = 0
        } else {
            let named = text(version)
            if isRequest, named.hasPrefix("HTTP/") { throw HTTP1Error(status: 505, reason: "\(named) is not supported") }
            throw bad("malformed version")
        }
        var status = 0
        if isRequest {
            guard !first.isEmpty, first.allSatisfy({ isToken(bytes[$0]) }), !second.isEmpty,
                !second.contains(where: { bytes[$0] <= 0x20 || bytes[$0] == 0x7F })
            else { throw bad("malformed request line") }
        } else {
            guard second.count == 3, second.allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) else { throw bad("malformed status") }
            status = second.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) }
            guard status >= 100 else { throw bad("malformed status") }
        }
        var fields: [HeaderField] = []
        fields.reserveCapacity(lines - 1)
        var length: Int?
        var chunked = false
        var keepAlive = false
        var close = false
        var expectsContinue = false
        var next = afterStart
        while next < bytes.count {
            let (header, after) = line(from: next)
            next = after
            guard bytes[header.lowerBound] != 0x20 && bytes[header.lowerBound] != 0x09 else { throw bad("folded header line") }
            guard let colon = header.first(where: { bytes[$0] == UInt8(ascii: ":") }), colon > header.lowerBound,
                (header.lowerBound..<colon).allSatisfy({ isToken(bytes[$0]) })
            else { throw bad("malformed header line") }
            var valueStart = colon + 1
            var valueEnd = header.upperBound
            while valueStart < valueEnd && (bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09) { valueStart += 1 }
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            let name = header.lowerBound..<colon
            let value = valueStart..<valueEnd
            fields.append(HeaderField(name: name, value: value))
            switch name.count {
            case 14 where HeaderNames.equal(bytes, name, "content-length"):
                guard !value.isEmpty, value.count <= 18, value.allSatisfy({ bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }) else {
                    throw bad("bad Content-Length")
                }
                let n = value.reduce(0) { $0 * 10 + Int(bytes[$1] - 0x30) }
                guard length == nil || length == n else { throw bad("bad Content-Length") }
                length = n
            case 17 where HeaderNames.equal(bytes, name, "transfer-encoding"):
                guard HeaderNames.equal(bytes, value, "chunked"), !chunked else {
                    throw HTTP1Error(status: isRequest ? 501 : 502, reason: "Transfer-Encoding \(text(value)) is not supported")
                }
                chunked = true
            case 10 where HeaderNames.equal(bytes, name, "connection"):
                var tokenStart = value.lowerBound
                for k in value.lowerBound...value.upperBound where k == value.upperBound || bytes[k] == UInt8(ascii: ",") {
                    var token = tokenStart..<k
                    while !token.isEmpty && (bytes[token.lowerBound] == 0x20 || bytes[token.lowerBound] == 0x09) { token = token.dropFirst() }
                    while !token.isEmpty && (bytes[token.upperBound - 1] == 0x20 || bytes[token.upperBound - 1] == 0x09) { token = token.dropLast() }
                    if HeaderNames.equal(bytes, token, "close") { close = true }
                    if HeaderNames.equal(bytes, token, "keep-alive") { keepAlive = true }
                    tokenStart = k + 1
                }
            case 6 where HeaderNames.equal(bytes, name, "expect"):
                guard isRequest else { break }
                guard HeaderNames.equal(bytes, value, "100-continue") else {
                    throw HTTP1Error(status: 417, reason: "Expect \(text(value)) is not supported")
                }
                expectsContinue = true
            default: break
            }
        }
        var framing = isRequest ? BodyFraming.length(0) : .untilClose
        if chunked {
            // Both framings at once is how requests are smuggled past a proxy (RFC 9112 §6.1).
            if isRequest && length != nil { throw bad("both Content-Length and Transfer-Encoding") }
            framing = .chunked
        } else if let length {
            framing = .length(length)
        }
        return HTTP1Head(
            raw: raw, firstField: first, secondField: second, fields: fields, minorVersion: minor, end: end, framing: framing,
            closes: close || (minor == 0 && !keepAlive), expectsContinue: expectsContinue, status: status)
    }

    private static func ascii(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, is literal: StaticString) -> Bool {
        range.count == literal.utf8CodeUnitCount && memcmp(bytes.baseAddress! + range.lowerBound, literal.utf8Start, range.count) == 0
    }

    /// A token character (RFC 9110 §5.6.2): what method and header names are made of.
    static func isToken(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default: false
        }
    }
}
