/// What the proxy reads of a request to route, measure and record it. The relay's byte view of a
/// request and a parsed `HTTPRequestMessage` both answer, so both paths follow one set of rules
/// and the relay makes strings only of what it reads.
protocol ProxiedRequest: Sendable {
    var isPost: Bool { get }
    var isGet: Bool { get }
    /// Whether the path (query aside) is exactly `path`.
    func pathIs(_ path: String) -> Bool
    /// Whether the path (query aside) ends with `suffix`.
    func pathHasSuffix(_ suffix: String) -> Bool
    /// The first value of a header, matched ignoring case.
    func header(_ name: String) -> String?
    var body: [UInt8] { get }
    /// The whole request, built when something needs all of it (a mirrored prompt).
    var message: HTTPRequestMessage { get }
}

extension HTTPRequestMessage: ProxiedRequest {
    var isPost: Bool { method == "POST" }
    var isGet: Bool { method == "GET" }

    func pathHasSuffix(_ suffix: String) -> Bool {
        let u = uri.utf8
        let end = u.firstIndex(of: UInt8(ascii: "?")) ?? u.endIndex
        return u[..<end].reversed().starts(with: suffix.utf8.reversed())
    }

    var message: HTTPRequestMessage { self }
}

/// A request as the relay read it: its head's bytes and its body.
struct RelayRequest: ProxiedRequest {
    let head: HTTP1Head
    let body: [UInt8]

    var isPost: Bool { head.bytes(head.firstField, are: "POST") }
    var isGet: Bool { head.bytes(head.firstField, are: "GET") }
    var isHead: Bool { head.bytes(head.firstField, are: "HEAD") }

    /// The target up to its query.
    private var path: Range<Int> {
        let target = head.secondField
        return target.lowerBound..<(target.first { head.raw[$0] == UInt8(ascii: "?") } ?? target.upperBound)
    }

    func pathIs(_ path: String) -> Bool {
        let range = self.path
        return range.count == path.utf8.count && head.raw[range].elementsEqual(path.utf8)
    }

    func pathHasSuffix(_ suffix: String) -> Bool {
        let range = self.path
        return range.count >= suffix.utf8.count && head.raw[(range.upperBound - suffix.utf8.count)..<range.upperBound].elementsEqual(suffix.utf8)
    }

    func header(_ name: String) -> String? { head.value(of: name) }

    var message: HTTPRequestMessage { HTTPRequestMessage(method: head.first, uri: head.second, headers: head.headers, body: body) }
}
