import Foundation
import RampartNet
import Synchronization

/// A loopback front for a real server (LiteLLM) that counts every request it passes on, by the
/// model the request asks for, so a test can assert how many calls Rampart really made, at the
/// server, however the client's retries and early stops played out. Bodies, streamed or not,
/// are relayed untouched.
public final class CountingFront: Sendable {
    public let server: HTTPServer
    private let tally: Tally

    final class Tally: Sendable {
        let counts = Mutex<[String: Int]>([:])
        let statuses = Mutex<[Int: Int]>([:])
        let failures = Mutex<[String]>([])
    }

    public var port: Int { server.port ?? 0 }
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }

    /// Requests seen so far, all models.
    public var total: Int { tally.counts.withLock { $0.values.reduce(0, +) } }
    public func count(model: String) -> Int { tally.counts.withLock { $0[model] ?? 0 } }
    /// Answers by HTTP status.
    public var byStatus: [Int: Int] { tally.statuses.withLock { $0 } }
    /// Why the front could not reach the server, the first few times: a failing test says so.
    public var failures: [String] { tally.failures.withLock { $0 } }

    private let pool: HTTPEndpoint

    private init(server: HTTPServer, tally: Tally, pool: HTTPEndpoint) {
        self.server = server
        self.tally = tally
        self.pool = pool
    }

    public static func start(forwardingTo target: URL) async throws -> CountingFront {
        let pool = HTTPEndpoint(host: target.host ?? "127.0.0.1", port: target.port ?? 80)
        let tally = Tally()
        let server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { request in
            let model = (try? JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])?["model"] as? String ?? "-"
            tally.counts.withLock { $0[model, default: 0] += 1 }
            do {
                let answer = try await pool.stream(request, timeout: 120)
                tally.statuses.withLock { $0[answer.status, default: 0] += 1 }
                var response = HTTPResponseMessage(
                    status: answer.status,
                    headers: answer.headers.filter { !["content-length", "transfer-encoding", "connection"].contains($0.name.lowercased()) })
                response.stream = answer.parts
                return response
            } catch {
                tally.statuses.withLock { $0[502, default: 0] += 1 }
                tally.failures.withLock { if $0.count < 5 { $0.append("\(error)") } }
                return .error(502, "front: \(error)")
            }
        }
        return CountingFront(server: server, tally: tally, pool: pool)
    }

    public func stop() async {
        await server.stop()
    }
}
