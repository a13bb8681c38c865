import NIOHTTP1
import RampartCore

/// Messages as bytes on the wire, the way the relay writes them: a request to an upstream (as
/// `HTTPEndpoint` writes a prepared request: the upstream's address as `Host`, the body's length,
/// no connection headers), a response to a client (as `HTTPServer` writes it), and an upstream's
/// answer passed on (as `WeightedProxy.tagged` and `response` would write it), header lines
/// copied through as bytes.
enum RelayWire {
    /// What a request to an upstream never carries from the client or the version's headers.
    private static let framedByTheRelay = HeaderNameSet(["host", "content-length", "connection", "transfer-encoding"])

    static func request(
        _ request: RelayRequest, body: [UInt8], prefix: String, rules: ProxyUpstream.OutgoingHeaders, host: String
    ) -> [UInt8] {
        let head = request.head
        var out: [UInt8] = []
        out.reserveCapacity(head.raw.count + 128 + body.count)
        head.raw.withUnsafeBufferPointer { raw in
            out += raw[head.firstField]
            out.append(0x20)
            out += prefix.utf8
            out += raw[head.secondField]
            out += " HTTP/1.1\r\n".utf8
            for field in head.fields {
                let name = UnsafeBufferPointer(rebasing: raw[field.name])
                guard !rules.dropped.contains(name), !framedByTheRelay.contains(name) else { continue }
                line(&out, raw, field)
            }
        }
        for (name, value) in rules.added where !framedByTheRelay.contains(name) { header(&out, name, value) }
        header(&out, "Host", host)
        header(&out, "Content-Length", String(body.count))
        out += crlf
        out += body
        return out
    }

    /// An upstream's answer as the client gets it: its status, its headers but those about its
    /// connection and its length, the serving version named, a length and connection of the
    /// relay's own. Nothing of it is made a string.
    static func passThrough(_ head: HTTP1Head, body: [UInt8], variant: Variant, minorVersion: Int, keepAlive: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(head.raw.count + 96 + body.count)
        statusLine(&out, head.status, minorVersion: minorVersion)
        head.raw.withUnsafeBufferPointer { raw in
            for field in head.fields where !HeaderNameSet.connectionAndLength.contains(UnsafeBufferPointer(rebasing: raw[field.name])) {
                line(&out, raw, field)
            }
        }
        header(&out, "x-rampart-variant", variant.rawValue)
        header(&out, "Content-Length", String(body.count))
        connection(&out, minorVersion: minorVersion, keepAlive: keepAlive)
        out += crlf
        out += body
        return out
    }

    /// A response's head and, unless it is streamed, its whole body. `minorVersion` is the
    /// request's (an HTTP/1.0 client gets an HTTP/1.0 answer, and a stream is not chunked for it);
    /// `bodyless` is a HEAD request's answer: the headers a GET would have, no body.
    static func response(_ message: HTTPResponseMessage, minorVersion: Int, keepAlive: Bool, bodyless: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160 + message.body.count)
        statusLine(&out, message.status, minorVersion: minorVersion)
        for (name, value) in message.headers
        where !(sameHeaderName(name, "content-length") || sameHeaderName(name, "transfer-encoding") || sameHeaderName(name, "connection")) {
            header(&out, name, value)
        }
        if message.stream == nil {
            header(&out, "Content-Length", String(message.body.count))
        } else if minorVersion == 1 {
            header(&out, "Transfer-Encoding", "chunked")
        }
        connection(&out, minorVersion: minorVersion, keepAlive: keepAlive)
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

    private static func statusLine(_ out: inout [UInt8], _ status: Int, minorVersion: Int) {
        out += (minorVersion == 0 ? "HTTP/1.0 " : "HTTP/1.1 ").utf8
        out += String(status).utf8
        out.append(0x20)
        out += reason(status).utf8
        out += crlf
    }

    private static func connection(_ out: inout [UInt8], minorVersion: Int, keepAlive: Bool) {
        if !keepAlive {
            header(&out, "Connection", "close")
        } else if minorVersion == 0 {
            header(&out, "Connection", "keep-alive")
        }
    }

    /// A header line copied from a head's bytes, normalised as `header` writes one.
    private static func line(_ out: inout [UInt8], _ raw: UnsafeBufferPointer<UInt8>, _ field: HeaderField) {
        out += raw[field.name]
        out += ": ".utf8
        out += raw[field.value]
        out += crlf
    }

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
