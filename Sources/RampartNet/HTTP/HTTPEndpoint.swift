import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// One server that Rampart relays traffic to (a version's gateway behind the proxy, or the
/// proxy itself for the load generator): a keep-alive HTTP/1.1 client with a pool of idle
/// connections, plain or TLS. The proxy calls each upstream thousands of times a minute; reusing
/// connections keeps its added latency to a fraction of a millisecond (and a TLS handshake off
/// every request).
///
/// Every other request Rampart sends goes through async-http-client (`ServiceHTTP`). This hot
/// path does not, on measurement: through async-http-client the proxy served 2.5k requests/s
/// where this pool serves 6k on the same machine (`rampart-bench proxy`, 32 clients), and added
/// 0.5 ms at the median instead of 0.3 ms.
public final class HTTPEndpoint: Sendable {
    public let host: String
    public let port: Int
    private let group: any EventLoopGroup
    private let idle = Mutex<[any Channel]>([])
    private let maxIdle: Int
    private let connectTimeout: Double
    /// Set for https: the certificate is verified against the system's roots (and a CA file's).
    private let tls: NIOSSLContext?

    public init(
        host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxIdle: Int = 128,
        connectTimeout: Double = 5, tls: NIOSSLContext? = nil
    ) {
        self.host = host
        self.port = port
        self.group = group
        self.maxIdle = maxIdle
        self.connectTimeout = connectTimeout
        self.tls = tls
    }

    public var address: String { "\(host):\(port)" }
    public var isTLS: Bool { tls != nil }

    /// A client TLS context that trusts the system's roots, plus the certificates in `caFile`
    /// (PEM) when given: a private gateway's CA, without turning verification off.
    public static func tlsContext(caFile: String? = nil) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            do {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            } catch {
                throw NetError.tls(caFile, "cannot read the CA file: \(error)")
            }
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Where the server is, for a bare IP no SNI name is sent and the certificate is checked
    /// against the address itself.
    private var serverName: String? {
        host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) ? nil : host
    }

    /// Sends one request and waits for the whole response, at most `timeout` seconds. A stale
    /// pooled connection (closed by the server while idle) is retried once on a fresh one.
    public func send(_ request: HTTPRequestMessage, timeout: Double) async throws -> HTTPResponseMessage {
        try await pooled { try await self.exchange(request, on: $0, timeout: timeout) }
    }

    /// Runs `body` on an idle connection, or a new one. A stale pooled connection (closed by the
    /// server while idle) answers nothing, so the request is tried once more on a fresh one.
    private func pooled<T>(_ body: (any Channel) async throws -> T) async throws -> T {
        if let channel = takeIdle() {
            do {
                return try await body(channel)
            } catch NetError.closed {
                // Nothing was answered: try once more.
            }
        }
        return try await body(try await connect())
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

    /// Sends one request and returns as soon as the head arrives; the body follows in `parts`.
    /// `timeout` bounds the whole exchange, head and body. The connection goes back to the pool
    /// when the body has ended.
    public func stream(_ request: HTTPRequestMessage, timeout: Double) async throws -> Streaming {
        try await pooled { try await self.startStream(request, on: $0, timeout: timeout) }
    }

    private func startStream(_ request: HTTPRequestMessage, on channel: any Channel, timeout: Double) async throws -> Streaming {
        let (parts, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let head = channel.eventLoop.makePromise(of: HTTPResponseMessage.self)
        let address = self.address
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(min(timeout, 1e9) * 1e9))) {
            let error = NetError.timeout(address, timeout)
            head.fail(error)
            continuation.finish(throwing: error)
            channel.close(promise: nil)
        }
        let sink = ClientHandler.Sink(continuation: continuation) { [self] keepAlive in
            timer.cancel()
            if keepAlive { giveBack(channel) } else { channel.close(promise: nil) }
        }
        channel.writeAndFlush(ClientHandler.Outgoing(request: request, host: address, promise: head, sink: sink)).whenFailure { error in
            head.fail(Self.writeFailure(error, address))
        }
        do {
            let response = try await head.futureResult.get()
            return Streaming(status: response.status, headers: response.headers, parts: parts)
        } catch {
            timer.cancel()
            continuation.finish(throwing: error)
            channel.close(promise: nil)
            throw error
        }
    }

    /// Why a request could not be written: a failed TLS handshake says so (and is not retried as
    /// a stale connection would be).
    static func writeFailure(_ error: any Error, _ address: String) -> NetError {
        if error is NIOSSLError || error is BoringSSLError { return .tls(address, String(describing: error)) }
        return .closed(address)
    }

    /// A pool nobody holds any more closes what it kept open: a descriptor per idle connection
    /// would otherwise outlive it (a long test run or a restarted canary ran out of them).
    deinit { shutdown() }

    /// Closes the idle connections.
    public func shutdown() {
        for channel in idle.withLock({ c in
            defer { c.removeAll() }; return c
        }) { channel.close(promise: nil) }
    }

    private func takeIdle() -> (any Channel)? {
        idle.withLock { channels in
            while let channel = channels.popLast() {
                if channel.isActive { return channel }
            }
            return nil
        }
    }

    private func giveBack(_ channel: any Channel) {
        let kept = idle.withLock { channels -> Bool in
            guard channels.count < maxIdle else { return false }
            channels.append(channel)
            return true
        }
        if !kept { channel.close(promise: nil) }
    }

    private func connect() async throws -> any Channel {
        let tls = self.tls
        let serverName = self.serverName
        let address = self.address
        let handshake = group.next().makePromise(of: Void.self)
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.milliseconds(Int64(connectTimeout * 1000)))
            .channelInitializer { channel in
                do {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName))
                        try channel.pipeline.syncOperations.addHandler(HandshakeWaiter(done: handshake, address: address))
                    } else {
                        handshake.succeed(())
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(address: "\(self.host):\(self.port)"))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: host, port: port).get()
        } catch {
            handshake.fail(NetError.connect(address, String(describing: error)))
            throw NetError.connect(address, String(describing: error))
        }
        // A TLS connection is usable once its handshake is done; a certificate that does not
        // verify is a TLS error here, before any request is written.
        do {
            try await handshake.futureResult.get()
        } catch {
            channel.close(promise: nil)
            throw error
        }
        return channel
    }

    private func exchange(_ request: HTTPRequestMessage, on channel: any Channel, timeout: Double) async throws -> HTTPResponseMessage {
        let promise = channel.eventLoop.makePromise(of: HTTPResponseMessage.self)
        let address = self.address
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(min(timeout, 1e9) * 1e9))) {
            promise.fail(NetError.timeout(address, timeout))
            channel.close(promise: nil)
        }
        channel.writeAndFlush(ClientHandler.Outgoing(request: request, host: address, promise: promise)).whenFailure { error in
            promise.fail(Self.writeFailure(error, address))
        }
        do {
            let response = try await promise.futureResult.get()
            timer.cancel()
            let closes = response.header("Connection")?.lowercased() == "close"
            if closes { channel.close(promise: nil) } else { giveBack(channel) }
            return response
        } catch {
            timer.cancel()
            channel.close(promise: nil)
            throw error
        }
    }
}

/// Succeeds when the TLS handshake completes, fails with its error; then steps aside.
private final class HandshakeWaiter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let done: EventLoopPromise<Void>
    private let address: String

    init(done: EventLoopPromise<Void>, address: String) {
        self.done = done
        self.address = address
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls {
            done.succeed(())
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        done.fail(NetError.tls(address, HandshakeWaiter.plain(error)))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        done.fail(NetError.tls(address, "the server closed the connection during the handshake"))
        context.fireChannelInactive()
    }

    /// BoringSSL's errors carry source paths; the reason is the part after the last colon.
    static func plain(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate is not trusted (CERTIFICATE_VERIFY_FAILED); give its CA with ca_file"
        }
        return text
    }
}

private final class ClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    /// Where a streamed body goes, and who is told when it ends (with whether the connection
    /// can be reused).
    struct Sink: Sendable {
        var continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
        var done: @Sendable (Bool) -> Void
    }

    struct Outgoing: Sendable {
        var request: HTTPRequestMessage
        var host: String
        /// Succeeds with the whole response, or with the head alone when `sink` takes the body.
        var promise: EventLoopPromise<HTTPResponseMessage>
        var sink: Sink? = nil
    }

    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Outgoing
    typealias OutboundOut = HTTPClientRequestPart

    private let address: String
    private var pending: EventLoopPromise<HTTPResponseMessage>?
    private var sink: Sink?
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(address: String) { self.address = address }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let out = unwrapOutboundIn(data)
        pending = out.promise
        sink = out.sink
        head = nil
        body = []
        var headers = HTTPHeaders(out.request.headers.map { ($0.name, $0.value) })
        headers.replaceOrAdd(name: "Host", value: out.host)
        headers.replaceOrAdd(name: "Content-Length", value: String(out.request.body.count))
        headers.remove(name: "Connection")
        headers.remove(name: "Transfer-Encoding")
        let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: out.request.method), uri: out.request.uri, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !out.request.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: out.request.body.count)
            buffer.writeBytes(out.request.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            if sink != nil {
                var headers = h.headers.map { (name: $0.name, value: $0.value) }
                if !h.isKeepAlive { headers.append(("Connection", "close")) }
                pending?.succeed(HTTPResponseMessage(status: Int(h.status.code), headers: headers))
                pending = nil
            }
        case .body(var buffer):
            guard let bytes = buffer.readBytes(length: buffer.readableBytes) else { return }
            if let sink { sink.continuation.yield(bytes) } else { body += bytes }
        case .end:
            if let sink {
                self.sink = nil
                sink.continuation.finish()
                sink.done(head?.isKeepAlive ?? false)
                head = nil
                return
            }
            guard let head, let pending else { return }
            var headers = head.headers.map { (name: $0.name, value: $0.value) }
            if !head.isKeepAlive { headers.append(("Connection", "close")) }
            pending.succeed(HTTPResponseMessage(status: Int(head.status.code), headers: headers, body: body))
            self.pending = nil
            self.head = nil
            body = []
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending?.fail(head == nil ? NetError.closed(address) : NetError.badResponse(address, "connection closed mid-response"))
        pending = nil
        sink?.continuation.finish(throwing: NetError.badResponse(address, "connection closed mid-stream"))
        sink = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let failure: NetError =
            error is NIOSSLError || error is BoringSSLError
            ? .tls(address, String(describing: error)) : .badResponse(address, String(describing: error))
        pending?.fail(failure)
        pending = nil
        sink?.continuation.finish(throwing: failure)
        sink = nil
        context.close(promise: nil)
    }
}
