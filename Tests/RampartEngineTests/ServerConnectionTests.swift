import Foundation
import RampartNet
import RampartTestSupport
import Testing

/// A stopped server lets go of its connections: each kept-alive connection is a descriptor on
/// both ends, and a process that starts many servers (a proxy restarted, a test suite) ran out.
struct ServerConnectionTests {
    /// Connects, sends one keep-alive request, reads its answer, then waits (at most 20 s) for
    /// the server to close the connection: true when it did.
    static func keptAliveConnectionCloses(port: Int, after stop: @escaping @Sendable () async -> Void) async -> (answered: Bool, closed: Bool) {
        guard let fd = LoopbackSocket.connect(port: port) else { return (false, false) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        let head = await Self.receive(fd)
        let answered = head?.hasPrefix("HTTP/1.1 200") == true
        await stop()
        return (answered, await Self.receive(fd) == "")
    }

    /// One blocking read, off the cooperative pool: the text, "" at the end of the stream, nil on error.
    static func receive(_ fd: Int32) async -> String? {
        await withCheckedContinuation { c in
            DispatchQueue.global().async {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = recv(fd, &buffer, buffer.count, 0)
                c.resume(returning: n < 0 ? nil : String(decoding: buffer[0..<n], as: UTF8.self))
            }
        }
    }

    @Test func stoppingAServerClosesItsIdleConnections() async throws {
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "ok") }
        let r = await Self.keptAliveConnectionCloses(port: server.port!) { await server.stop() }
        #expect(r.answered)
        #expect(r.closed, "the kept-alive connection was closed by the server's stop")
    }

    @Test func anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0), idleTimeout: 0.2) { _ in .plain(200, "ok") }
        let r = await Self.keptAliveConnectionCloses(port: server.port!) {}
        #expect(r.answered)
        #expect(r.closed, "closed by the server while the server still runs")
        await server.stop()
    }
}
