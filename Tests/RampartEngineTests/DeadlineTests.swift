import Foundation
@testable import RampartEngine
import RampartNet
import Testing

/// A server that accepts a request and then says nothing must not hold Rampart past the
/// timeout the spec gives: a gate's model call, a webhook, a Prometheus query.
@Suite(.serialized) struct DeadlineTests {
    static func hung() async throws -> HTTPServer {
        try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
            try? await Task.sleep(for: .seconds(60))
            return .json(200, "{}")
        }
    }

    @Test func anOpenAICallGivesUpAtItsTimeoutOnEveryAttempt() async throws {
        let server = try await Self.hung()
        let client = OpenAIClient(baseURL: URL(string: "http://127.0.0.1:\(server.port!)/v1")!, timeout: 0.5, retries: 1, sleep: { _ in })
        let started = ContinuousClock.now
        await #expect { try await client.chat(model: "m", system: nil, user: "hi") } throws: { e in
            "\(e)".contains("no answer within 0.5 s")
        }
        // Loose: a loaded machine delays a sleeping task, but never to the server's 60 s.
        #expect(ContinuousClock.now - started < .seconds(30), "two attempts of 0.5 s, not the server's 60 s")
        await server.stop()
    }

    @Test func aWebhookGivesUpAtItsTimeout() async throws {
        let server = try await Self.hung()
        let payload = NotificationPayload(
            pipeline: "p", event: .rolledBack, outcome: .rolledBack, reason: "r", candidate: "c", baseline: "b", runFile: nil, time: "now")
        let started = ContinuousClock.now
        let error = await WebhookNotifier(url: "http://127.0.0.1:\(server.port!)/hook", timeout: 0.5, retries: 0).send(payload)
        #expect(error?.contains("timed out after 0.5 s") == true, "\(error ?? "delivered")")
        #expect(ContinuousClock.now - started < .seconds(30))
        await server.stop()
    }
}
