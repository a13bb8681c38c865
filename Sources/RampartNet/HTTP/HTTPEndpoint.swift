import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One server that Rampart relays requests to (a version's gateway behind the proxy, or the
/// proxy itself for the load generator), reached through `ServiceHTTP.relay`: the same
/// async-http-client as every other request, with its pooled keep-alive connections (the proxy
/// calls each upstream thousands of times a minute; a TLS handshake per request would double
/// its added latency).
///
/// `timeout` bounds the whole exchange, head and body, as the proxy's 504 promises; the
/// client's own deadline only covers the head.
public struct HTTPEndpoint: Sendable {
    public let scheme: String
    public let host: String
    public let port: Int
    /// Set for https: the system's roots plus any CA file's certificates.
    let tls: TLSConfiguration?

    public init(host: String, port: Int, tls: TLSConfiguration? = nil) {
        self.scheme = tls == nil ? "http" : "https"
        self.host = host
        self.port = port
        self.tls = tls
    }

    public var address: String { "\(host):\(port)" }
    public var isTLS: Bool { tls != nil }

    /// A client TLS configuration that trusts the system's roots, plus the certificates in
    /// `caFile` (PEM) when given: a private gateway's CA, without turning verification off. The
    /// file is read now, so a missing or unreadable one is reported before any request.
    public static func tlsConfiguration(caFile: String? = nil) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            } catch {
                throw NetError.tls(caFile, "cannot read the CA file: \(error)")
            }
        }
        return configuration
    }

    /// A response whose body arrives in parts (server-sent events), relayed as it comes.
    public struct Streaming: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        /// The body's parts; finishes at the end, throws when the connection fails or the
        /// exchange outlives its timeout.
        public var parts: AsyncThrowingStream<[UInt8], any Error>

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// Sends one request and waits for the whole response, at most `timeout` seconds.
    public func send(_ request: HTTPRequestMessage, timeout: Double) async throws(ServiceHTTP.TransportError) -> HTTPResponseMessage {
        let answer = try await stream(request, timeout: timeout)
        var body: [UInt8] = []
        do {
            for try await part in answer.parts {
                let limit = ServiceHTTP.maxBodyBytes
                guard body.count + part.count <= limit else { throw ServiceHTTP.TransportError.bodyTooLarge(limit) }
                body += part
            }
        } catch {
            throw ServiceHTTP.classify(error)
        }
        return HTTPResponseMessage(status: answer.status, headers: answer.headers, body: body)
    }

    /// Sends one request and returns as soon as the head arrives; the body follows in `parts`.
    /// A body still arriving when `timeout` runs out ends with `TransportError.timedOut` and
    /// the connection is dropped (never reused half-read).
    public func stream(_ request: HTTPRequestMessage, timeout: Double) async throws(ServiceHTTP.TransportError) -> Streaming {
        let seconds = max(0.001, min(timeout, 86_400 * 365))
        let deadline = NIODeadline.now() + .nanoseconds(Int64(seconds * 1e9))
        let response = try await head(outgoing(request), deadline: deadline)
        let (parts, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(deadline: deadline) {
            continuation.finish(throwing: ServiceHTTP.TransportError.timedOut)
        }
        // However the body ends (read to its end, failed, timed out, or its reader gone), the
        // timer and the read go with it: a timed-out read is cancelled, which drops the connection.
        let reader = BodyReader()
        continuation.onTermination = { _ in
            timer.cancel()
            reader.cancel()
        }
        reader.start {
            do {
                for try await buffer in response.body { continuation.yield(Array(buffer.readableBytesView)) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: Task.isCancelled ? ServiceHTTP.TransportError.timedOut : ServiceHTTP.classify(error))
            }
        }
        return Streaming(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, parts: parts)
    }

    /// The response head. A kept-alive connection the server closed while idle can take a
    /// request and answer nothing: that one is sent again, once, on a new connection (as nginx
    /// does for its cached upstream connections). Anything that got an answer is never resent.
    private func head(_ request: HTTPClientRequest, deadline: NIODeadline) async throws(ServiceHTTP.TransportError) -> HTTPClientResponse {
        do {
            return try await ServiceHTTP.relay.execute(request, deadline: deadline)
        } catch {
            let failure = ServiceHTTP.classify(error)
            guard failure == .connectionLost, NIODeadline.now() < deadline else { throw failure }
        }
        do {
            return try await ServiceHTTP.relay.execute(request, deadline: deadline)
        } catch {
            throw ServiceHTTP.classify(error)
        }
    }

    /// The request as async-http-client takes it: the URL built from this endpoint, the
    /// headers the client sets itself (host, length, framing) left to it.
    private func outgoing(_ request: HTTPRequestMessage) -> HTTPClientRequest {
        let bracketed = host.contains(":") ? "[\(host)]" : host
        var outgoing = HTTPClientRequest(url: "\(scheme)://\(bracketed):\(port)\(request.uri)")
        outgoing.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers where !Self.setByClient.contains(name.lowercased()) {
            outgoing.headers.add(name: name, value: value)
        }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        outgoing.tlsConfiguration = tls
        return outgoing
    }

    private static let setByClient: Set<String> = ["host", "content-length", "transfer-encoding", "connection"]
}

/// The task reading one response body, cancellable before it has started.
private final class BodyReader: Sendable {
    private let state = Mutex<(task: Task<Void, Never>?, cancelled: Bool)>((nil, false))

    func start(_ body: @escaping @Sendable () async -> Void) {
        let task = Task(executorPreference: NetExecutor.shared) { await body() }
        let cancelled = state.withLock { s in
            s.task = task
            return s.cancelled
        }
        if cancelled { task.cancel() }
    }

    func cancel() {
        let task = state.withLock { s in
            s.cancelled = true
            return s.task
        }
        task?.cancel()
    }
}
