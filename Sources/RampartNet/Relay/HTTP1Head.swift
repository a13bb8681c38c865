import Foundation

/// The head of one HTTP/1.x message (a request's or a response's), parsed from the bytes the
/// relay has buffered: the start line, the headers as sent, and what frames the body.
///
/// The relay parses heads itself, on bytes, because this is the proxy's hot path: SwiftNIO's
/// codec and its pipeline cost more CPU per request than nginx's whole reverse proxy
/// (`rampart-bench proxy-nginx`). Anything it does not understand is an error the caller answers
/// with a status (400, 431, 501, 505) and a closed connection, never a guess.
struct HTTP1Head {
    /// Request: method, target, version. Response: version, status code, reason.
    var first: String
    var second: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    var minorVersion: Int
    var headers: [(name: String, value: String)]
    /// Where the body starts in the buffer.
    var end: Int
    var framing: BodyFraming
    /// `Connection: close` (or, on HTTP/1.0, no `Connection: keep-alive`).
    var closes: Bool
    /// `Expect: 100-continue`: the client waits for a 100 before sending the body.
    var expectsContinue: Bool

    var status: Int { Int(second) ?? 0 }
}

/// How a message's body is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable {
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
    /// LF (RFC 9112 §2.2 allows a recipient to accept both).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, isRequest: Bool) throws(HTTP1Error) -> HTTP1Head? {
        var lines: [Range<Int>] = []
        var lineStart = start
        var i = start
        var end = -1
        while i < bytes.count {
            if bytes[i] == 0x0A {
                var lineEnd = i
                if lineEnd > lineStart && bytes[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd == lineStart {
                    // Empty lines before a request line are ignored (RFC 9112 §2.2).
                    if lines.isEmpty {
                        lineStart = i + 1
                        i += 1
                        continue
                    }
                    end = i + 1
                    break
                }
                lines.append(lineStart..<lineEnd)
                lineStart = i + 1
            }
            i += 1
            if i - start > maxHeadBytes { throw HTTP1Error(status: 431, reason: "head over \(maxHeadBytes) bytes") }
        }
        guard end >= 0 else { return nil }
        return try head(bytes, lines: lines, end: end, isRequest: isRequest)
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    private static func head(_ bytes: UnsafeBufferPointer<UInt8>, lines: [Range<Int>], end: Int, isRequest: Bool) throws(HTTP1Error) -> HTTP1Head {
        let bad = { (reason: String) in HTTP1Error(status: isRequest ? 400 : 502, reason: reason) }
        guard let startLine = lines.first else { throw bad("no start line") }
        // The start line: three fields separated by single spaces (a response's reason may hold
        // spaces, or be empty).
        var fields: [Range<Int>] = []
        var fieldStart = startLine.lowerBound
        for k in startLine where bytes[k] == 0x20 && fields.count < 2 {
            fields.append(fieldStart..<k)
            fieldStart = k + 1
        }
        fields.append(fieldStart..<startLine.upperBound)
        guard fields.count == 3 || (!isRequest && fields.count == 2) else { throw bad("malformed start line") }
        let versionField = isRequest ? fields[2] : fields[0]
        let version = text(bytes, versionField)
        let minor: Int
        switch version {
        case "HTTP/1.1": minor = 1
        case "HTTP/1.0": minor = 0
        default:
            if isRequest, version.hasPrefix("HTTP/") { throw HTTP1Error(status: 505, reason: "\(version) is not supported") }
            throw bad("malformed version")
        }
        var message = HTTP1Head(
            first: text(bytes, fields[0]), second: text(bytes, fields[1]), minorVersion: minor, headers: [], end: end,
            framing: isRequest ? .length(0) : .untilClose, closes: false, expectsContinue: false)
        if isRequest {
            guard !message.first.isEmpty, message.first.utf8.allSatisfy(isToken), !message.second.isEmpty,
                !message.second.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F })
            else { throw bad("malformed request line") }
        } else {
            guard message.second.utf8.count == 3, let code = Int(message.second), code >= 100 else { throw bad("malformed status") }
        }
        var length: Int?
        var chunked = false
        var keepAlive = false
        var close = false
        message.headers.reserveCapacity(lines.count - 1)
        for line in lines.dropFirst() {
            guard bytes[line.lowerBound] != 0x20 && bytes[line.lowerBound] != 0x09 else { throw bad("folded header line") }
            guard let colon = line.first(where: { bytes[$0] == UInt8(ascii: ":") }), colon > line.lowerBound,
                (line.lowerBound..<colon).allSatisfy({ isToken(bytes[$0]) })
            else { throw bad("malformed header line") }
            var valueStart = colon + 1
            var valueEnd = line.upperBound
            while valueStart < valueEnd && (bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09) { valueStart += 1 }
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            let name = text(bytes, line.lowerBound..<colon)
            let value = text(bytes, valueStart..<valueEnd)
            message.headers.append((name, value))
            switch colon - line.lowerBound {
            case 14 where sameHeaderName(name, "content-length"):
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let n = Int(value), length == nil || length == n
                else { throw bad("bad Content-Length") }
                length = n
            case 17 where sameHeaderName(name, "transfer-encoding"):
                guard sameHeaderName(value, "chunked"), !chunked else {
                    throw HTTP1Error(status: isRequest ? 501 : 502, reason: "Transfer-Encoding \(value) is not supported")
                }
                chunked = true
            case 10 where sameHeaderName(name, "connection"):
                for token in value.utf8.split(separator: UInt8(ascii: ",")) {
                    let t = token.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }.reversed()
                    if asciiCaseEqual(t, "close".utf8) { close = true }
                    if asciiCaseEqual(t, "keep-alive".utf8) { keepAlive = true }
                }
            case 6 where sameHeaderName(name, "expect"):
                guard isRequest else { break }
                guard sameHeaderName(value, "100-continue") else { throw HTTP1Error(status: 417, reason: "Expect \(value) is not supported") }
                message.expectsContinue = true
            default: break
            }
        }
        message.closes = close || (minor == 0 && !keepAlive)
        if chunked {
            // Both framings at once is how requests are smuggled past a proxy (RFC 9112 §6.1).
            if isRequest && length != nil { throw bad("both Content-Length and Transfer-Encoding") }
            message.framing = .chunked
        } else if let length {
            message.framing = .length(length)
        }
        return message
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
