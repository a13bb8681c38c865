import Foundation
import RampartCore
import Synchronization
import Testing

@testable import RampartNet

/// A client on a raw socket, for what an HTTP client library never sends: pipelined requests,
/// chunked uploads, malformed heads, HTTP/1.0. Reads block at most 60 s, a bound on a failure only.
final class RawClient {
    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard ok else { throw NetError.connect("127.0.0.1:\(port)", "refused") }
    }

    deinit { close(fd) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Foundation.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Reads one response (head, and a body by Content-Length); nil when the connection ends first.
    func response() -> (head: HTTP1Head, body: String)? {
        while true {
            let parsed: (HTTP1Head, String, Int)? = buffer.withUnsafeBufferPointer { bytes in
                guard let head = try? HTTP1Parser.parse(bytes, from: 0, isRequest: false) else { return nil }
                var n = 0
                if case .length(let length) = head.framing { n = length }
                guard bytes.count - head.end >= n else { return nil }
                return (head, String(decoding: bytes[head.end..<(head.end + n)], as: UTF8.self), head.end + n)
            }
            if let (head, body, end) = parsed {
                buffer.removeFirst(end)
                return (head, body)
            }
            guard readMore() else { return nil }
        }
    }

    /// Whether the server closed the connection (a read of 0, or a reset, with nothing left
    /// unread); false when the read timed out with the connection still open.
    func closedByServer() -> Bool {
        while true {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &chunk, chunk.count, 0)
            if n > 0 {
                buffer += chunk[0..<n]
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return false }
            return buffer.isEmpty
        }
    }

    @discardableResult
    private func readMore() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { return false }
        buffer += chunk[0..<n]
        return true
    }

    var unread: String { String(decoding: buffer, as: UTF8.self) }
}

/// An upstream on a raw listening socket, answering every request with `answer` (a whole
/// response, as bytes on the wire) and keeping each request as it arrived. With `dropsReuse`,
/// its first connection is closed when its second request arrives, unanswered: a keep-alive
/// connection dropped by the server just as it is reused. Counts the connections it accepted.
final class RawUpstream: @unchecked Sendable {
    let listener: Int32
    let port: Int
    let accepted = Mutex(0)
    let requests = Mutex<[String]>([])
    private let answer: [UInt8]
    private let dropsReuse: Bool

    static func ok(_ body: [UInt8], extraHeaders: String = "") -> String {
        "HTTP/1.1 200 OK\r\n\(extraHeaders)Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
            + String(decoding: body, as: UTF8.self)
    }

    init(answer: String = RawUpstream.ok(FakeUpstream.chat("fresh").body), dropsReuse: Bool = false) throws {
        self.answer = Array(answer.utf8)
        self.dropsReuse = dropsReuse
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        listen(fd, 16)
        listener = fd
        port = Int(UInt16(bigEndian: addr.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            guard fd >= 0 else { return }
            let n = accepted.withLock { c in
                c += 1
                return c
            }
            Thread { [self] in serve(fd, dropSecond: dropsReuse && n == 1) }.start()
        }
    }

    private func serve(_ fd: Int32, dropSecond: Bool) {
        defer { close(fd) }
        var buffer: [UInt8] = []
        var served = 0
        while true {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = recv(fd, &chunk, chunk.count, 0)
            guard n > 0 else { return }
            buffer += chunk[0..<n]
            // One whole request: its head, and the body its Content-Length gives.
            while let request = buffer.withUnsafeBufferPointer({ try? HTTP1Parser.parse($0, from: 0, isRequest: true) }),
                case .length(let length) = request.framing, buffer.count >= request.end + length
            {
                let whole = String(decoding: buffer[..<(request.end + length)], as: UTF8.self)
                buffer.removeFirst(request.end + length)
                if dropSecond && served == 1 { return }
                served += 1
                requests.withLock { $0.append(whole) }
                _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }
}

@Suite(.serialized) struct RelayServerTests {
    /// An upstream answering each chat request with its body echoed as the answer's content.
    static func echo(chunked: Bool = false) async throws -> HTTPServer {
        try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { request in
            var answer = FakeUpstream.chat(String(decoding: request.body, as: UTF8.self))
            if chunked {
                // A streamed response: NIO's server sends it chunked, with no length.
                let (stream, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
                let body = answer.body
                continuation.yield(Array(body[..<10]))
                continuation.yield(Array(body[10...]))
                continuation.finish()
                answer.body = []
                answer.stream = stream
            }
            return answer
        }
    }

    static func relay(to upstream: HTTPServer, observed: Observed = Observed()) throws -> (WeightedProxy, RelayServer) {
        let pool = HTTPEndpoint(host: "127.0.0.1", port: upstream.port!)
        let proxy = WeightedProxy(baseline: ProxyUpstream(endpoint: pool), candidate: ProxyUpstream(endpoint: pool), onExchange: observed.add)
        return (proxy, try RelayServer.start(host: "127.0.0.1", port: 0, proxy: proxy, threads: 2))
    }

    static func post(_ body: String, extra: String = "") -> String {
        "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\(extra)Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
    }

    @Test func pipelinedRequestsAreAnsweredInOrderOnOneConnection() async throws {
        let upstream = try await Self.echo()
        let observed = Observed()
        let (_, relay) = try Self.relay(to: upstream, observed: observed)
        let client = try RawClient(port: relay.port!)
        client.send((1...5).map { Self.post(#"{"n":\#($0)}"#) }.joined())
        for n in 1...5 {
            let r = try #require(client.response())
            #expect(r.head.status == 200)
            #expect(r.body.contains(#"{\"n\":\#(n)}"#), "answer \(n) in order: \(r.body)")
            #expect(r.head.headers.contains { $0.name == "x-rampart-variant" && $0.value == "baseline" })
            #expect(!r.head.closes)
        }
        #expect(observed.observations.count == 5)
        #expect(observed.observations.allSatisfy { !$0.failed && $0.promptTokens == 10 && $0.completionTokens == 20 })
        await relay.stop()
        await upstream.stop()
    }

    /// What each side hears of the other: the client's connection headers and length stay
    /// behind, the version's key, headers, model and path prefix go upstream, and the answer
    /// comes back with the upstream's own headers minus its connection ones, the serving version
    /// named and a length of the proxy's own.
    @Test func headersCrossTheRelayByTheProxysRules() async throws {
        let answer = FakeUpstream.chat("fine", prompt: 3, completion: 4).body
        let upstream = try RawUpstream(
            answer: RawUpstream.ok(answer, extraHeaders: "Server: up\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nX-Upstream: 1\r\n"))
        defer { upstream.stop() }
        var version = ProxyUpstream(endpoint: HTTPEndpoint(host: "127.0.0.1", port: upstream.port), pathPrefix: "/gw")
        version.authorization = "Bearer version-key"
        version.headers = [("X-Tenant", "acme"), ("X-Route", "a"), ("x-route", "b")]
        let observed = Observed()
        let proxy = WeightedProxy(baseline: version, candidate: version, onExchange: observed.add)
        let relay = try RelayServer.start(host: "127.0.0.1", port: 0, proxy: proxy, threads: 1)
        defer { Task { await relay.stop() } }
        let client = try RawClient(port: relay.port!)
        let body = #"{"messages":[]}"#
        client.send(
            "POST /v1/chat/completions?trace=1 HTTP/1.1\r\nHost: proxy.local\r\nAuthorization: Bearer client-key\r\n"
                + "Connection: keep-alive\r\nKeep-Alive: timeout=9\r\nTE: trailers\r\nx-tenant: evil\r\nContent-Type:  application/json \r\n"
                + "X-Rampart-Item: q7\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        let r = try #require(client.response())
        #expect(r.head.status == 200 && r.body == String(decoding: answer, as: UTF8.self))
        #expect(
            r.head.headers.map { "\($0.name): \($0.value)" } == [
                "Server: up", "X-Upstream: 1", "Content-Type: application/json", "x-rampart-variant: baseline",
                "Content-Length: \(answer.count)",
            ])
        #expect(
            upstream.requests.withLock { $0 } == [
                "POST /gw/v1/chat/completions?trace=1 HTTP/1.1\r\nContent-Type: application/json\r\nX-Rampart-Item: q7\r\n"
                    + "Authorization: Bearer version-key\r\nX-Tenant: acme\r\nx-route: b\r\nHost: 127.0.0.1:\(upstream.port)\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            ])
        let seen = observed.list.withLock { $0 }
        #expect(seen.count == 1 && seen[0].itemID == "q7" && seen[0].answer == "fine")
        #expect(seen[0].observation.promptTokens == 3 && seen[0].observation.completionTokens == 4 && !seen[0].observation.failed)
    }

    /// A version with a model of its own gets the request's body with that model in it.
    @Test func aVersionsModelReplacesTheClientsOnTheWayUp() async throws {
        let upstream = try RawUpstream()
        defer { upstream.stop() }
        var version = ProxyUpstream(endpoint: HTTPEndpoint(host: "127.0.0.1", port: upstream.port))
        version.model = "support-2"
        let proxy = WeightedProxy(baseline: version, candidate: version)
        let relay = try RelayServer.start(host: "127.0.0.1", port: 0, proxy: proxy, threads: 1)
        defer { Task { await relay.stop() } }
        let client = try RawClient(port: relay.port!)
        client.send(Self.post(#"{"model":"placeholder","messages":[]}"#))
        #expect(try #require(client.response()).head.status == 200)
        let sent = try #require(upstream.requests.withLock { $0.first })
        let parts = sent.components(separatedBy: "\r\n\r\n")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(parts[1].utf8)) as? [String: Any])
        #expect(json["model"] as? String == "support-2" && (json["messages"] as? [Any])?.isEmpty == true)
        #expect(parts[0].hasSuffix("Content-Length: \(parts[1].utf8.count)"))
    }

    @Test func aChunkedUploadAndAChunkedAnswerAreRelayedWhole() async throws {
        let upstream = try await Self.echo(chunked: true)
        let observed = Observed()
        let (_, relay) = try Self.relay(to: upstream, observed: observed)
        let client = try RawClient(port: relay.port!)
        client.send("POST /v1/chat/completions HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n")
        client.send("3\r\n:1}\r\n0\r\n\r\n")
        let r = try #require(client.response())
        #expect(r.head.status == 200)
        #expect(r.head.framing == .length(r.body.utf8.count))
        let usage = OpenAIUsage.parse(Array(r.body.utf8), path: "/v1/chat/completions")
        #expect(usage?.text == #"{"a":1}"#, "the upstream got the decoded body, the client the whole answer")
        #expect(observed.observations.first?.failed == false)
        await relay.stop()
        await upstream.stop()
    }

    @Test func aClientWaitingForContinueGetsItAndAnHTTP10ClientIsAnsweredInKind() async throws {
        let upstream = try await Self.echo()
        let (_, relay) = try Self.relay(to: upstream)
        let client = try RawClient(port: relay.port!)
        client.send("POST /v1/chat/completions HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        let interim = try #require(client.response())
        #expect(interim.head.status == 100)
        client.send("{}")
        #expect(try #require(client.response()).head.status == 200)

        let old = try RawClient(port: relay.port!)
        old.send("POST /v1/chat/completions HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")
        let r = try #require(old.response())
        #expect(r.head.minorVersion == 0 && r.head.status == 200 && r.head.closes)
        #expect(old.closedByServer())
        await relay.stop()
        await upstream.stop()
    }

    @Test func whatTheRelayCannotReadIsRefusedAndTheConnectionClosed() async throws {
        let upstream = try await Self.echo()
        let observed = Observed()
        let (_, relay) = try Self.relay(to: upstream, observed: observed)
        for (request, status) in [
            ("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 999999999\r\n\r\n", 413),
            ("GARBAGE\r\n\r\n", 400),
            ("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
            ("POST /v1/chat/completions HTTP/3.0\r\n\r\n", 505),
        ] {
            let client = try RawClient(port: relay.port!)
            client.send(request)
            let r = try #require(client.response(), "\(request)")
            #expect(r.head.status == status, "\(request)")
            #expect(r.body.contains("\"error\""), "an OpenAI-style error document")
            #expect(client.closedByServer())
        }
        #expect(observed.observations.isEmpty, "nothing reached an upstream")
        await relay.stop()
        await upstream.stop()
    }

    @Test func aPooledConnectionTheUpstreamDropsAsItIsReusedIsRetriedOnAFreshOne() async throws {
        let upstream = try RawUpstream(dropsReuse: true)
        defer { upstream.stop() }
        let observed = Observed()
        let pool = HTTPEndpoint(host: "127.0.0.1", port: upstream.port)
        let proxy = WeightedProxy(baseline: ProxyUpstream(endpoint: pool), candidate: ProxyUpstream(endpoint: pool), onExchange: observed.add)
        // One thread: both requests go through the same worker's pool.
        let relay = try RelayServer.start(host: "127.0.0.1", port: 0, proxy: proxy, threads: 1)
        let client = try RawClient(port: relay.port!)
        for _ in 0..<3 {
            client.send(Self.post("{}"))
            let r = try #require(client.response())
            #expect(r.head.status == 200 && r.body.contains("fresh"))
        }
        #expect(upstream.accepted.withLock { $0 } == 2, "the dropped request went once more, on a new connection")
        #expect(observed.observations.count == 3 && observed.observations.allSatisfy { !$0.failed })
        await relay.stop()
    }

    @Test func aRequestThatStallsHalfwayIsClosedAfterTheIdleTimeout() async throws {
        let upstream = try await Self.echo()
        let pool = HTTPEndpoint(host: "127.0.0.1", port: upstream.port!)
        let proxy = WeightedProxy(baseline: ProxyUpstream(endpoint: pool), candidate: ProxyUpstream(endpoint: pool))
        let relay = try RelayServer.start(host: "127.0.0.1", port: 0, proxy: proxy, idleTimeout: 0.3)
        let client = try RawClient(port: relay.port!)
        client.send("POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 10\r\n\r\n{}")
        #expect(client.closedByServer(), "a head without its body does not hold the connection")
        await relay.stop()
        await upstream.stop()
    }

    @Test func stoppingFreesThePortAndAnUnreachableUpstreamIsABadGateway() async throws {
        let upstream = try await Self.echo()
        let port = upstream.port!
        await upstream.stop()
        let observed = Observed()
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        let proxy = WeightedProxy(baseline: ProxyUpstream(endpoint: pool), candidate: ProxyUpstream(endpoint: pool), onExchange: observed.add)
        let relay = try RelayServer.start(host: "127.0.0.1", port: 0, proxy: proxy)
        let relayPort = relay.port!
        let client = try RawClient(port: relayPort)
        client.send(Self.post("{}"))
        let r = try #require(client.response())
        #expect(r.head.status == 502)
        #expect(r.body.contains("connection refused"))
        #expect(observed.observations.count == 1 && observed.observations[0].failed)
        await relay.stop()
        #expect(client.closedByServer(), "an idle connection ends with the server")
        #expect(throws: NetError.self) { try RawClient(port: relayPort) }
        // The port is free again: a new server can bind it.
        let again = try RelayServer.start(host: "127.0.0.1", port: relayPort, proxy: proxy)
        #expect(again.port == relayPort)
        await again.stop()
    }
}
