import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A small HTTP/1.1 server: whole requests in, whole responses out, keep-alive and pipelining
/// handled by NIO. Each request runs its handler as a task, so a slow upstream never blocks the
/// event loop or other connections.
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequestMessage) async -> HTTPResponseMessage

    /// Where the server listens: a TCP port on a host, or a Unix socket (the control channel).
    public enum Address: Sendable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        public var description: String {
            switch self {
            case .tcp(let host, let port): "\(host):\(port)"
            case .unix(let path): path
            }
        }
    }

    /// Requests larger than this are refused with 413: prompts are small, and a bounded buffer
    /// keeps a misbehaving client from exhausting memory.
    public static let maxBodyBytes = 8 << 20

    /// How long a keep-alive connection may sit idle between requests (nginx's default
    /// `keepalive_timeout`): a client that forgets its pooled connections must not hold a
    /// descriptor each for the life of the process.
    public static let defaultIdleTimeout = 75.0

    private let channel: any Channel
    private let connections: OpenConnections
    /// The port actually bound (useful with port 0); nil for a Unix socket.
    public let port: Int?

    private init(channel: any Channel, connections: OpenConnections) {
        self.channel = channel
        self.connections = connections
        self.port = channel.localAddress?.port
    }

    /// The accepted connections still open, so `stop` can end them.
    final class OpenConnections: Sendable {
        private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

        func add(_ channel: any Channel) {
            let id = ObjectIdentifier(channel)
            channels.withLock { $0[id] = channel }
            channel.closeFuture.whenComplete { _ in _ = self.channels.withLock { $0.removeValue(forKey: id) } }
        }

        func all() -> [any Channel] { channels.withLock { Array($0.values) } }
    }

    /// Sent to each connection by `stop`: close now if idle, else after the answer in progress.
    struct Drain {}

    /// Binds and starts serving, over TLS when `tls` is given. A port in use or a bad address
    /// throws `NetError.bind` naming it.
    /// `idleTimeout`: a connection with no request in progress that sends nothing for this long
    /// is closed (the control socket sets a short one: a client that opens and stalls must not
    /// hold it).
    public static func start(
        _ address: Address, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, tls: NIOSSLContext? = nil,
        idleTimeout: Double = HTTPServer.defaultIdleTimeout, handler: @escaping Handler
    ) async throws -> HTTPServer {
        let connections = OpenConnections()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 512)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                connections.add(channel)
                do {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(
                        IdleStateHandler(readTimeout: .milliseconds(Int64(min(idleTimeout, 86_400) * 1000))))
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ServerHandler(handler: handler))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        do {
            let channel: any Channel
            switch address {
            case .tcp(let host, let port): channel = try await bootstrap.bind(host: host, port: port).get()
            // Never replace a socket file: binding fails if one exists, so two processes cannot
            // both believe they own a path. Callers decide what a stale file is.
            case .unix(let path): channel = try await bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false).get()
            }
            return HTTPServer(channel: channel, connections: connections)
        } catch {
            throw NetError.bind(address.description, String(describing: error))
        }
    }

    /// A server TLS context from PEM files (certificate chain and private key).
    public static func tlsContext(certificateFile: String, keyFile: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    }

    /// Stops accepting and ends every connection: idle ones now, busy ones once the answer in
    /// progress is written (as nginx's graceful quit does).
    public func stop() async {
        try? await channel.close().get()
        drain()
    }

    private func drain() {
        for child in connections.all() {
            child.pipeline.fireUserInboundEventTriggered(Drain())
        }
    }

    /// A server nobody holds stops: its port and connections are not kept for the process's life.
    deinit {
        channel.close(promise: nil)
        drain()
    }
}

public enum NetError: Error, CustomStringConvertible, Equatable {
    case bind(String, String)
    case connect(String, String)
    case timeout(String, Double)
    case closed(String)
    case badResponse(String, String)
    case tls(String, String)

    public var description: String {
        switch self {
        case .bind(let address, let why): "cannot listen on \(address): \(NetError.plain(why))"
        case .connect(let address, let why): "cannot connect to \(address): \(NetError.plain(why))"
        case .timeout(let address, let seconds): "\(address) did not answer within \(seconds) s"
        case .closed(let address): "\(address) closed the connection before answering"
        case .badResponse(let address, let why): "\(address) sent a malformed response: \(why)"
        case .tls(let address, let why): "TLS with \(address) failed: \(why)"
        }
    }

    /// NIO's errors print their whole structure; users need the errno text.
    static func plain(_ s: String) -> String {
        if s.contains("Address already in use") { return "address already in use (another process has the port)" }
        if s.contains("Connection refused") { return "connection refused (nothing is listening)" }
        return s
    }
}

private final class ServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: HTTPServer.Handler
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    private var peerUID: UInt32?
    /// Requests whose answers are not written yet: an idle connection is only closed between them.
    private var inFlight = 0
    /// The server is stopping: the answer in progress is the connection's last.
    private var draining = false

    init(handler: @escaping HTTPServer.Handler) { self.handler = handler }

    func channelActive(context: ChannelHandlerContext) {
        // The peer's credentials on a Unix socket; on the event loop the answer is immediate.
        if context.channel.localAddress?.protocol == .unix, let provider = context.channel as? any SocketOptionProvider {
            let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
                level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(PeerCredentials.option))
            credentials.assumeIsolated().whenSuccess { self.peerUID = $0.uid }
        }
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read, inFlight == 0 {
            context.close(promise: nil)
            return
        }
        if event is HTTPServer.Drain {
            draining = true
            if inFlight == 0 && head == nil { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = []
            tooLarge = false
        case .body(var buffer):
            if body.count + buffer.readableBytes > HTTPServer.maxBodyBytes {
                tooLarge = true
            } else if let bytes = buffer.readBytes(length: buffer.readableBytes) {
                body += bytes
            }
        case .end:
            guard let head else { return }
            self.head = nil
            let keepAlive = head.isKeepAlive && !draining
            if tooLarge {
                write(.error(413, "request body over \(HTTPServer.maxBodyBytes) bytes"), keepAlive: false, version: head.version, context: context)
                return
            }
            var request = HTTPRequestMessage(
                method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
            request.peerUID = peerUID
            body = []
            inFlight += 1
            let promise = context.eventLoop.makePromise(of: HTTPResponseMessage.self)
            let handler = self.handler
            Task(executorPreference: NetExecutor.shared) { promise.succeed(await handler(request)) }
            promise.futureResult.assumeIsolated().whenSuccess { response in
                self.inFlight -= 1
                self.write(response, keepAlive: keepAlive && !self.draining, version: head.version, context: context)
            }
        }
    }

    /// A whole response is written and ended at once; a streamed one gets its head (chunked)
    /// and any leading body now, then each part as it arrives, flushed. The pipeline handler
    /// holds any pipelined request until the end is written, so responses stay in order. A
    /// stream that fails midway ends the response where it is and closes the connection: the
    /// client sees a truncated body, never a made-up ending.
    private func write(_ response: HTTPResponseMessage, keepAlive: Bool, version: HTTPVersion, context: ChannelHandlerContext) {
        var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
        if response.stream == nil {
            headers.replaceOrAdd(name: "Content-Length", value: String(response.body.count))
        } else {
            headers.remove(name: "Content-Length")
            headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
        }
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if !response.body.isEmpty {
            var buffer = context.channel.allocator.buffer(capacity: response.body.count)
            buffer.writeBytes(response.body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        }
        let channel = context.channel
        guard let stream = response.stream else {
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
            return
        }
        context.flush()
        Task(executorPreference: NetExecutor.shared) {
            do {
                for try await part in stream where !part.isEmpty {
                    try await channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(channel.allocator.buffer(bytes: part)))).get()
                }
                try? await channel.writeAndFlush(HTTPServerResponsePart.end(nil)).get()
                if !keepAlive { try? await channel.close().get() }
            } catch {
                try? await channel.close().get()
            }
        }
    }
}

/// Linux's `struct ucred` (pid, uid, gid), which Glibc's module does not export without
/// `_GNU_SOURCE`; `SO_PEERCRED` is 17 on every Linux architecture Swift runs on.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    static let option: Int32 = 17
}
