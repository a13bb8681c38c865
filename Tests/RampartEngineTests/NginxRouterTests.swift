import Foundation
import RampartCore
import RampartNet
import RampartTestSupport
import Testing

@testable import RampartEngine

/// The nginx router against a real nginx on loopback (installed by `make test`): it renders the
/// upstream block, nginx checks and reloads it, and traffic through nginx follows the weight.
@Suite(.serialized) struct NginxRouterTests {
    @Test func weightsAreExactIntegersAndZeroIsDown() {
        #expect(NginxRouter.weights(20) == (4, 1))
        #expect(NginxRouter.weights(12.5) == (7, 1))
        #expect(NginxRouter.weights(0) == (1, 0))
        #expect(NginxRouter.weights(100) == (0, 1))
        let text = NginxRouter.render(upstream: "app", baseline: "10.0.0.5:8000", candidate: "10.0.0.6:8000", percent: 0, at: "now")
        #expect(text.contains("server 10.0.0.6:8000 down;"))
        #expect(text.contains("server 10.0.0.5:8000 weight=1 max_fails=0;"), "nginx must not move a version's share on a failure")
    }

    @Test func aRealNginxSplitsTrafficByTheRoutersWeight() async throws {
        let b = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "baseline") }
        let c = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "candidate") }
        let initial = NginxRouter.render(
            upstream: "app", baseline: "127.0.0.1:\(b.port!)", candidate: "127.0.0.1:\(c.port!)", percent: 0, at: "start")
        let nginx = try await NginxDaemon.start(upstream: initial, proxyTo: "app")
        defer { nginx.stop() }
        let dir = nginx.dir, port = nginx.port, ctl = nginx.control
        // A generous bound: `nginx -t` is instant, but the whole suite on two cores can hold a
        // process's start and reaping for many seconds.
        let router = NginxRouter(
            path: dir + "/upstream.conf", upstream: "app", baseline: "127.0.0.1:\(b.port!)", candidate: "127.0.0.1:\(c.port!)",
            test: "\(ctl) -t", reload: "\(ctl) -s reload", directory: dir, timeout: 60)

        func split(_ n: Int) async throws -> Int {
            // New connections after a reload, so no keep-alive connection to an old worker.
            let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
            var candidate = 0
            for _ in 0..<n {
                let r = try await pool.send(HTTPRequestMessage(method: "GET", uri: "/"), timeout: 60)
                if r.text == "candidate" { candidate += 1 }
            }
            return candidate
        }
        #expect(try await split(50) == 0)
        try await router.setWeight(20)
        try await Task.sleep(for: .milliseconds(500))
        // Smooth weighted round robin with weights 4:1 and one worker: exactly one in five.
        let at20 = try await split(500)
        #expect((95...105).contains(at20), "candidate served \(at20) of 500 at 20%")
        try await router.setWeight(100)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await split(50) == 50)

        // A config nginx rejects is rolled back on disk before the error is raised.
        let before = try String(contentsOfFile: dir + "/upstream.conf", encoding: .utf8)
        let broken = NginxRouter(
            path: dir + "/upstream.conf", upstream: "app", baseline: "127.0.0.1:\(b.port!)", candidate: "127.0.0.1:notaport",
            test: "\(ctl) -t", reload: "\(ctl) -s reload", directory: dir, timeout: 60)
        await #expect { try await broken.setWeight(50) } throws: { "\($0)".contains("rejected the config") }
        #expect(try String(contentsOfFile: dir + "/upstream.conf", encoding: .utf8) == before)
        #expect(try await split(20) == 20, "nginx still serves the last good config")
    }
}
