import Foundation
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartNet

/// The proxy in front of what real gateways are: streamed answers (LiteLLM's server-sent
/// events) relayed chunk by chunk and measured, and https upstreams verified against a CA.
@Suite(.serialized)
struct ProxyStreamingTLSTests {
    final class Seen: Sendable {
        let exchanges = Mutex<[ProxyExchange]>([])
        func add(_ e: ProxyExchange) { exchanges.withLock { $0.append(e) } }
        var all: [ProxyExchange] { exchanges.withLock { $0 } }
    }

    /// Polls until the proxy has recorded `n` exchanges (they are recorded when a stream ends).
    func waitFor(_ seen: Seen, _ n: Int) async {
        for _ in 0..<600 where seen.all.count < n { try? await Task.sleep(for: .milliseconds(50)) }
    }

    func chat(stream: Bool, usage: Bool = true) -> HTTPRequestMessage {
        let options = usage ? #","stream_options":{"include_usage":true}"# : ""
        let body = #"{"model":"rampart-load","messages":[{"role":"user","content":"How long do I have?"}],"stream":\#(stream)\#(options)}"#
        return HTTPRequestMessage(
            method: "POST", uri: "/v1/chat/completions", headers: [("Content-Type", "application/json")], body: Array(body.utf8))
    }

    @Test func aStreamedAnswerIsRelayedChunkByChunkAndMeasured() async throws {
        let server = try await LiteLLMServer.running()
        var upstream = try ProxyUpstream(baseURL: server.baseURL.absoluteString, caFile: nil)
        upstream.model = "support-bot-2025-09-14"
        upstream.authorization = "Bearer \(LiteLLMServer.key)"
        let seen = Seen()
        let proxy = WeightedProxy(baseline: upstream, candidate: upstream, stickyHeader: nil, timeout: 30) { seen.add($0) }
        try proxy.setWeight(100)
        let listener = try await proxy.serve(host: "127.0.0.1", port: 0)
        let client = HTTPEndpoint(host: "127.0.0.1", port: listener.port ?? 0)

        let answer = try await client.stream(chat(stream: true), timeout: 30)
        #expect(answer.status == 200)
        #expect(answer.header("x-rampart-variant") == "candidate")
        var parts = 0
        var body: [UInt8] = []
        for try await part in answer.parts {
            parts += 1
            body += part
        }
        var sse = SSEAccumulator()
        sse.feed(body)
        #expect(parts > 1, "the answer arrived in \(parts) parts")
        #expect(sse.done && sse.text == "You can return an item within 30 days of delivery for a full refund.")
        await waitFor(seen, 1)
        let o = try #require(seen.all.first?.observation)
        #expect(!o.failed && o.status == 200)
        let ttft = try #require(o.ttftMs)
        #expect(ttft > 0 && ttft <= o.latencyMs)
        #expect(o.promptTokens > 0 && o.completionTokens > 0, "usage from the final chunk")
        #expect(seen.all.first?.answer == sse.text)

        // Without include_usage the stream carries no usage: tokens are unknown (0), not invented.
        let plain = try await client.stream(chat(stream: true, usage: false), timeout: 30)
        for try await _ in plain.parts {}
        await waitFor(seen, 2)
        #expect(seen.all.count == 2 && seen.all[1].observation.completionTokens == 0 && !seen.all[1].observation.failed)
        await listener.stop()
    }

    @Test func aStreamThatBreaksOffIsAnErrorForItsVersion() async throws {
        // An upstream that sends one chunk and then drops the connection.
        let upstreamServer = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
            var r = HTTPResponseMessage(status: 200, headers: [("Content-Type", "text/event-stream")])
            r.stream = AsyncThrowingStream { c in
                c.yield(Array(#"data: {"choices":[{"index":0,"delta":{"content":"Half"}}]}"#.utf8) + [10, 10])
                c.finish(throwing: NetError.closed("test"))
            }
            return r
        }
        let upstream = try ProxyUpstream(baseURL: "http://127.0.0.1:\(upstreamServer.port ?? 0)/v1", caFile: nil)
        let seen = Seen()
        let proxy = WeightedProxy(baseline: upstream, candidate: upstream, stickyHeader: nil, timeout: 60) { seen.add($0) }
        let listener = try await proxy.serve(host: "127.0.0.1", port: 0)
        let client = HTTPEndpoint(host: "127.0.0.1", port: listener.port ?? 0)
        let answer = try await client.stream(chat(stream: true), timeout: 60)
        var broke = false
        do { for try await _ in answer.parts {} } catch { broke = true }
        #expect(broke, "the client sees the stream break off, not a made-up ending")
        await waitFor(seen, 1)
        #expect(seen.all.first?.observation.failed == true)
        await listener.stop()
        await upstreamServer.stop()
    }

    /// A certificate for 127.0.0.1 and localhost, made by openssl for this test (on a dispatch
    /// thread: waiting for a process must not hold one of the cooperative pool's threads).
    func certificate() async throws -> (cert: String, key: String) {
        try await OwnThread.run { try Self.makeCertificate() }
    }

    static func makeCertificate() throws -> (cert: String, key: String) {
        let dir = TestPaths.temporaryDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem", "-days", "2",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw NetError.tls("openssl", "could not make a test certificate") }
        return (dir + "/cert.pem", dir + "/key.pem")
    }

    @Test func anHTTPSUpstreamIsReachedAndVerifiedAgainstItsCA() async throws {
        let (cert, key) = try await certificate()
        let tls = try HTTPServer.tlsContext(certificateFile: cert, keyFile: key)
        let answer =
            #"{"choices":[{"index":0,"message":{"role":"assistant","content":"Over TLS."}}],"usage":{"prompt_tokens":3,"completion_tokens":2}}"#
        let upstreamServer = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0), tls: tls) { _ in .json(200, answer) }
        let url = "https://127.0.0.1:\(upstreamServer.port ?? 0)/v1"

        let trusted = try ProxyUpstream(baseURL: url, caFile: cert)
        let seen = Seen()
        let proxy = WeightedProxy(baseline: trusted, candidate: trusted, stickyHeader: nil, timeout: 60) { seen.add($0) }
        let ok = await proxy.handle(chat(stream: false))
        #expect(ok.status == 200 && ok.text.contains("Over TLS."))
        #expect(seen.all.first?.observation.failed == false && seen.all.first?.observation.completionTokens == 2)

        // Without the CA, the self-made certificate is not trusted: a 502 and an error, never
        // a silent downgrade.
        let untrusted = try ProxyUpstream(baseURL: url, caFile: nil)
        let strict = WeightedProxy(baseline: untrusted, candidate: untrusted, stickyHeader: nil, timeout: 60)
        let refused = await strict.handle(chat(stream: false))
        #expect(refused.status == 502)
        #expect(refused.text.contains("TLS") && refused.text.contains("certificate is not trusted"), "\(refused.text)")
        await upstreamServer.stop()
    }
}
