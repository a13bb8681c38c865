import Foundation
import RampartCore
import RampartNet
import Synchronization
import Testing

@testable import RampartEngine

/// A server that accepts a request and then says nothing must not hold Rampart past the
/// timeout the spec gives: a gate's model call, a webhook, a Prometheus query.
///
/// The server stays silent until the test has its answer, so a timeout error can only come from
/// Rampart's own deadline; wall time is not asserted, because on a loaded 2-core machine a
/// sleeping task can wake tens of seconds late without anything being wrong.
final class SilentServer: Sendable {
    let server: HTTPServer
    private let released: Flag

    private init(server: HTTPServer, released: Flag) {
        self.server = server
        self.released = released
    }

    static func start() async throws -> SilentServer {
        let flag = Flag()
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
            while !flag.isSet { try? await Task.sleep(for: .milliseconds(50)) }
            return .json(200, "{}")
        }
        return SilentServer(server: server, released: flag)
    }

    var port: Int { server.port! }

    func stop() async {
        released.set()
        await server.stop()
    }

    final class Flag: Sendable {
        private let value = Atomic<Bool>(false)
        var isSet: Bool { value.load(ordering: .relaxed) }
        func set() { value.store(true, ordering: .relaxed) }
    }
}

@Suite(.serialized) struct DeadlineTests {
    @Test func anOpenAICallGivesUpAtItsTimeoutOnEveryAttempt() async throws {
        let server = try await SilentServer.start()
        let client = OpenAIClient(baseURL: URL(string: "http://127.0.0.1:\(server.port)/v1")!, timeout: 0.5, retries: 1, sleep: { _ in })
        let started = ContinuousClock.now
        await #expect { try await client.chat(model: "m", system: nil, user: "hi") } throws: { e in
            "\(e)".contains("no answer within 0.5 s")
        }
        #expect(ContinuousClock.now - started >= .milliseconds(900), "two attempts, each waiting its timeout")
        await server.stop()
    }

    @Test func aWebhookGivesUpAtItsTimeout() async throws {
        let server = try await SilentServer.start()
        let payload = NotificationPayload(
            pipeline: "p", event: .rolledBack, outcome: .rolledBack, reason: "r", candidate: "c", baseline: "b", runFile: nil, time: "now")
        let started = ContinuousClock.now
        let error = await WebhookNotifier(url: "http://127.0.0.1:\(server.port)/hook", timeout: 0.5, retries: 0).send(payload)
        #expect(error?.contains("timed out after 0.5 s") == true, "\(error ?? "delivered")")
        #expect(ContinuousClock.now - started >= .milliseconds(450), "it waited its timeout rather than failing at once")
        await server.stop()
    }

    @Test func aPrometheusQueryGivesUpAtItsTimeout() async throws {
        let server = try await SilentServer.start()
        let client = PrometheusClient(baseURL: "http://127.0.0.1:\(server.port)", timeout: 0.5, token: nil)
        let started = ContinuousClock.now
        defer { #expect(ContinuousClock.now - started >= .milliseconds(450)) }
        await #expect { try await client.instant("up") } throws: {
            ($0 as! PrometheusResponse.Failure).message == "no answer from http://127.0.0.1:\(server.port) within 500ms"
        }
        await server.stop()
    }
}
