import NIOHTTP1

/// Messages as bytes on the wire, the way the relay writes them: a request to an upstream (as
/// `HTTPEndpoint` writes it: the upstream's address as `Host`, the body's length, no connection
/// headers) and a response to a client (as `HTTPServer` writes it).
enum RelayWire {
    static func request(_ message: HTTPRequestMessage, host: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + message.body.count)
        out += message.method.utf8
        out.append(0x20)
        out += message.uri.utf8
        out += " HTTP/1.1\r\n".utf8
        for (name, value) in message.headers
        where
            !(sameHeaderName(name, "host") || sameHeaderName(name, "content-length") || sameHeaderName(name, "connection")
            || sameHeaderName(name, "transfer-encoding"))
        {
            header(&out, name, value)
        }
        header(&out, "Host", host)
        header(&out, "Content-Length", String(message.body.count))
        out += crlf
        out += message.body
        return out
    }

    /// A response's head and, unless it is streamed, its whole body. `minorVersion` is the
    /// request's (an HTTP/1.0 client gets an HTTP/1.0 answer, and a stream is not chunked for it);
    /// `bodyless` is a HEAD request's answer: the headers a GET would have, no body.
    static func response(_ message: HTTPResponseMessage, minorVersion: Int, keepAlive: Bool, bodyless: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + message.body.count)
        out += (minorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ").utf8
        out += String(message.status).utf8
        out.append(0x20)
        out += reason(message.status).utf8
        out += crlf
        for (name, value) in message.headers
        where !(sameHeaderName(name, "content-length") || sameHeaderName(name, "transfer-encoding") || sameHeaderName(name, "connection")) {
            header(&out, name, value)
        }
        if message.stream == nil {
            header(&out, "Content-Length", String(message.body.count))
        } else if minorVersion == 1 {
            header(&out, "Transfer-Encoding", "chunked")
        }
        if !keepAlive {
            header(&out, "Connection", "close")
        } else if minorVersion == 0 {
            header(&out, "Connection", "keep-alive")
        }
        out += crlf
        if !bodyless && !message.body.isEmpty {
            if message.stream != nil && minorVersion == 1 { chunk(&out, message.body) } else { out += message.body }
        }
        return out
    }

    /// One part of a chunked body.
    static func chunk(_ out: inout [UInt8], _ part: [UInt8]) {
        guard !part.isEmpty else { return }
        out += String(part.count, radix: 16).utf8
        out += crlf
        out += part
        out += crlf
    }

    static let lastChunk = Array("0\r\n\r\n".utf8)
    static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let crlf: [UInt8] = [0x0D, 0x0A]

    private static func header(_ out: inout [UInt8], _ name: String, _ value: String) {
        out += name.utf8
        out += ": ".utf8
        out += value.utf8
        out += crlf
    }

    private static func reason(_ status: Int) -> String {
        status == 200 ? "OK" : HTTPResponseStatus(statusCode: status).reasonPhrase
    }
}
