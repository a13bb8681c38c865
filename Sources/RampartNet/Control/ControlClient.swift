import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Talks to a running engine over its control socket (HTTP over a Unix socket), with the same
/// client as every other request Rampart sends. A fresh connection per command and
/// `Connection: close`: commands are rare, and a pooled connection to an engine that has since
/// stopped must never be what `rampart rollback` tries first.
public enum ControlClient {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case noEngine(String, String)
        case noAnswer(String, Double)
        case protocolError(String)

        public var description: String {
            switch self {
            case .noEngine(let path, let why): "no running engine at \(path) (\(why)); start one with `rampart run` or pass --socket"
            case .noAnswer(let path, let seconds):
                "the engine at \(path) did not answer within \(String(format: "%g", seconds)) s (it may be stuck; `rampart recover` restores traffic from a dead one)"
            case .protocolError(let why): "the engine's answer was not understood: \(why)"
            }
        }
    }

    /// Whether a process listens on the socket: a connection is accepted. A file left by a dead
    /// engine refuses; a live engine too busy to answer quickly still accepts (the kernel queues
    /// the connection), so it is never mistaken for a stale file and replaced.
    public static func listening(socket path: String) async -> Bool {
        guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(unixDomainSocketPath: path).get()
        else { return false }
        try? await channel.close().get()
        return true
    }

    /// One command and the engine's whole answer, within `timeout` seconds.
    public static func request(socket path: String, method: String, path uri: String, body: String = "", timeout: Double = 15) async throws(Failure)
        -> (
            status: Int, body: String
        )
    {
        guard let url = URL(httpURLWithSocketPath: path, uri: uri) else { throw .noEngine(path, "not a usable socket path") }
        guard FileManager.default.fileExists(atPath: path) else { throw .noEngine(path, "no such file") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Connection", value: "close")
        if method != "GET" {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let seconds = max(0.001, min(timeout, 86_400))
        do {
            let response = try await ServiceHTTP.client.execute(request, timeout: .milliseconds(Int64(seconds * 1000)))
            let answer = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), String(buffer: answer))
        } catch {
            switch ServiceHTTP.classify(error) {
            case .timedOut: throw .noAnswer(path, seconds)
            case .refused: throw .noEngine(path, "connection refused: the engine that made it is gone")
            case .connectionLost: throw .protocolError("the engine closed the connection before answering")
            case let other: throw .noEngine(path, other.message(host: path, timeout: seconds))
            }
        }
    }
}
