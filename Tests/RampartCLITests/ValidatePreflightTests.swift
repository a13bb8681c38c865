import Foundation
import RampartTestSupport
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `rampart validate` says now what `rampart run` would refuse or fail on later, beyond the
/// spec itself: a busy port, a router file with nowhere to go, a crashed run's lock.
struct ValidatePreflightTests {
    /// The nginx example with its meters moved to `ports` and its router file to `routerPath`,
    /// written beside the examples so its relative paths resolve.
    func spec(ports: (Int, Int), routerPath: String = "prometheus-nginx/rampart-upstream.conf") throws -> String {
        let text = try String(contentsOfFile: CLI.repository + "/examples/prometheus-nginx.yaml", encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:8481", with: "127.0.0.1:\(ports.0)")
            .replacingOccurrences(of: "127.0.0.1:8482", with: "127.0.0.1:\(ports.1)")
            .replacingOccurrences(of: "path: prometheus-nginx/rampart-upstream.conf", with: "path: \(routerPath)")
        let path = CLI.repository + "/examples/.test-preflight-\(UUID().uuidString.prefix(6)).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func listener() throws -> (fd: Int32, port: Int) {
        try #require(LoopbackSocket.listeningPort())
    }

    @Test func aPortAnotherProcessHoldsIsNamedWithExit69() async throws {
        let held = try listener()
        defer { close(held.fd) }
        let free = try listener()
        close(free.fd)
        let spec = try spec(ports: (held.port, free.port))
        defer { try? FileManager.default.removeItem(atPath: spec) }
        let r = try await CLI.run(["validate", spec])
        #expect(r.status == 69, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("run would fail: canary.proxy.meter.baseline: 127.0.0.1:\(held.port) is in use"), "\(r.stderr)")
        #expect(!r.stderr.contains("meter.candidate"))
        #expect(!r.stdout.contains(": ok"))
    }

    @Test func aRouterFileWithNowhereToGoIsInvalidInput() async throws {
        let a = try listener(), b = try listener()
        close(a.fd)
        close(b.fd)
        let spec = try spec(ports: (a.port, b.port), routerPath: "no-such-directory/upstream.conf")
        defer { try? FileManager.default.removeItem(atPath: spec) }
        let r = try await CLI.run(["validate", spec])
        #expect(r.status == 65, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("canary.router.path: the directory"), "\(r.stderr)")
        #expect(r.stderr.contains("no-such-directory does not exist"))
    }

    @Test func aCrashedRunsLockStopsValidateAsItWouldStopRun() async throws {
        let dir = CLI.temporaryDirectory()
        // A pid that cannot be alive: the run it names died without an outcome.
        let lock = RunLock(
            pid: Int32.max, host: ProcessInfo.processInfo.hostName, runFile: ".rampart/runs/x.jsonl", specFile: "demo.yaml", specSHA256: "0",
            router: "file", startedAt: "2026-12-05T00:00:00Z")
        try lock.write(in: dir + "/" + RunLock.directory)
        let r = try await CLI.run(["validate", CLI.repository + "/examples/demo.yaml"], in: dir)
        #expect(r.status == 69, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("ended without recording an outcome; run `rampart recover`"), "\(r.stderr)")
        let clean = try await CLI.run(["validate", CLI.repository + "/examples/demo.yaml"], in: CLI.temporaryDirectory())
        #expect(clean.status == 0)
    }
}
