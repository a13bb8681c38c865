import Foundation
import RampartNet
import RampartTestSupport
import Testing

/// A stopped server lets go of its connections: each kept-alive connection is a descriptor on
/// both ends, and a process that starts many servers (a proxy restarted, a test suite) ran out.
struct ServerConnectionTests {
    /// Connects, sends one keep-alive request, reads its whole answer (which may arrive in
    /// pieces on a loaded machine), then waits (at most 60 s) for the server to close the
    /// connection: `closed` is true when it did, and `after` says what came instead.
    static func keptAliveConnectionCloses(
        port: Int, after stop: @escaping @Sendable () async -> Void
    ) async -> (answered: Bool, closed: Bool, after: String) {
        guard let fd = LoopbackSocket.connect(port: port) else { return (false, false, "no connection") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        var answer = ""
        while !answer.hasSuffix("\r\n\r\nok"), let part = await Self.receive(fd), !part.isEmpty { answer += part }
        let answered = answer.hasPrefix("HTTP/1.1 200") && answer.hasSuffix("\r\n\r\nok")
        await stop()
        let next = await Self.receive(fd)
        return (answered, next == "", next.map { "\($0.debugDescription)" } ?? "a read error or no close within 60 s (errno \(errno))")
    }

    /// One blocking read, off the cooperative pool: the text, "" at the end of the stream, nil on error.
    static func receive(_ fd: Int32) async -> String? {
        await OwnThread.run {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            return n < 0 ? nil : String(decoding: buffer[0..<n], as: UTF8.self)
        }
    }

    @Test func stoppingAServerClosesItsIdleConnections() async throws {
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "ok") }
        let r = await Self.keptAliveConnectionCloses(port: server.port!) { await server.stop() }
        #expect(r.answered)
        #expect(r.closed, "the kept-alive connection was closed by the server's stop; instead: \(r.after)")
    }

    @Test func anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0), idleTimeout: 0.2) { _ in .plain(200, "ok") }
        let r = await Self.keptAliveConnectionCloses(port: server.port!) {}
        #expect(r.answered)
        #expect(r.closed, "closed by the server while the server still runs; instead: \(r.after)")
        await server.stop()
    }
}
