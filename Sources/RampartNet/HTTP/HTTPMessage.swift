/// A whole HTTP/1.1 request, body included. The data plane's requests are small JSON documents,
/// so buffering them whole is simpler and cheaper than streaming, and keeps NIO out of the API.
public struct HTTPRequestMessage: Sendable {
    public var method: String
    /// Path and query, as sent: `/v1/chat/completions?x=1`.
    public var uri: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// On a Unix socket, the connecting process's user id (SO_PEERCRED): who really asked,
    /// whatever name the request claims.
    public var peerUID: UInt32?

    public init(method: String, uri: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// The path without the query string.
    public var path: String {
        guard let query = uri.utf8.firstIndex(of: UInt8(ascii: "?")) else { return uri }
        return String(uri[..<query])
    }

    /// Whether the path (query aside) is exactly `path`, without building a string for it.
    func pathIs(_ path: String) -> Bool {
        let u = uri.utf8
        guard u.starts(with: path.utf8) else { return false }
        let rest = u.dropFirst(path.utf8.count)
        return rest.isEmpty || rest.first == UInt8(ascii: "?")
    }

    /// The first value of a header, matched case-insensitively (ASCII, as header names are).
    public func header(_ name: String) -> String? {
        headers.first { sameHeaderName($0.name, name) }?.value
    }
}

public struct HTTPResponseMessage: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// A body that arrives in parts (server-sent events): the server relays each part as it
    /// comes, chunked, after `body` (usually empty). Nil for a whole response.
    public var stream: AsyncThrowingStream<[UInt8], any Error>?

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { sameHeaderName($0.name, name) }?.value
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    public static func json(_ status: Int, _ text: String, headers: [(name: String, value: String)] = []) -> HTTPResponseMessage {
        HTTPResponseMessage(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }

    public static func plain(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponseMessage {
        HTTPResponseMessage(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }

    /// An OpenAI-style error document, so clients that parse `error.message` show ours.
    public static func error(_ status: Int, _ message: String, type: String = "rampart_error") -> HTTPResponseMessage {
        json(status, OpenAIWire.ErrorBody(error: .init(message: message, type: type)))
    }
}
