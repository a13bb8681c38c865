import Foundation
import RampartNet
import RampartTestSupport
import Testing

@testable import RampartEngine

/// The one client for other services: each way a request can fail is its own case, never a
/// made-up answer, and the answer that does come is whole.
struct ServiceHTTPTests {
    @Test func anAnswerComesWholeWithItsStatusAndHeaders() async throws {
        let body = String(repeating: "x", count: 300_000)
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { request in
            var r = HTTPResponseMessage.plain(207, body + request.method)
            r.headers.append(("Retry-After", "7"))
            return r
        }
        let r = try await ServiceHTTP.send("PUT", "http://127.0.0.1:\(server.port!)/x", body: Array("hi".utf8), timeout: 30)
        #expect(r.status == 207 && r.text == body + "PUT" && r.header("retry-after") == "7")
        await server.stop()
    }

    @Test func aRefusedConnectionIsReportedAsRefusedNotRetriedUntilTheDeadline() async throws {
        let (fd, port) = try #require(LoopbackSocket.refusingPort())
        defer { close(fd) }
        await #expect(throws: ServiceHTTP.TransportError.refused) {
            try await ServiceHTTP.send("GET", "http://127.0.0.1:\(port)/", timeout: 600)
        }
    }

    @Test func aServerThatSaysNothingTimesOut() async throws {
        let server = try await SilentServer.start()
        await #expect(throws: ServiceHTTP.TransportError.timedOut) {
            try await ServiceHTTP.send("GET", "http://127.0.0.1:\(server.port)/", timeout: 0.3)
        }
        await server.stop()
    }

    @Test(arguments: ["ftp://example.com/x", "not a url", "http://"])
    func aURLThatIsNotHTTPIsRefusedBeforeSending(_ url: String) async {
        await #expect(throws: ServiceHTTP.TransportError.invalidURL(url)) {
            try await ServiceHTTP.send("GET", url, timeout: 1)
        }
    }

    @Test func theMessagesNameTheHostAndNeverAnAnswer() {
        #expect(ServiceHTTP.TransportError.refused.message(host: "h:1", timeout: 2) == "cannot reach h:1: connection refused (nothing is listening)")
        #expect(ServiceHTTP.TransportError.timedOut.message(host: "h:1", timeout: 2.5) == "no answer within 2.5 s")
    }
}
