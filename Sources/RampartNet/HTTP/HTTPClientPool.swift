import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A keep-alive HTTP/1.1 client for one upstream (host and port), with a pool of idle
/// connections. The proxy calls each upstream thousands of times a minute; reusing connections
/// keeps its added latency to a fraction of a millisecond.
public final class HTTPClientPool: Sendable {
    public let host: String
    public let port: Int
    private let group: any EventLoopGroup
    private let idle = Mutex<[any Channel]>([])
    private let maxIdle: Int
    private let connectTimeout: Double

    public init(
        host: String, port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, maxIdle: Int = 128,
        connectTimeout: Double = 5
    ) {
        self.host = host
        self.port = port
        self.group = group
        self.maxIdle = maxIdle
        self.connectTimeout = connectTimeout
    }

    public var address: String { "\(host):\(port)" }

    /// Sends one request and waits for the whole response, at most `timeout` seconds. A stale
    /// pooled connection (closed by the server while idle) is retried once on a fresh one.
    public func send(_ request: HTTPRequestMessage, timeout: Double) async throws -> HTTPResponseMessage {
        if let channel = takeIdle() {
            do {
                return try await exchange(request, on: channel, timeout: timeout)
            } catch NetError.closed {
                // The server dropped the idle connection; nothing was answered, so try once more.
            }
        }
        let channel = try await connect()
        return try await exchange(request, on: channel, timeout: timeout)
    }

    /// Closes the idle connections.
    public func shutdown() {
        for channel in idle.withLock({ c in defer { c.removeAll() }; return c }) { channel.close(promise: nil) }
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
        let bootstrap = ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(.milliseconds(Int64(connectTimeout * 1000)))
            .channelInitializer { channel in
                do {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(address: "\(self.host):\(self.port)"))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
        do {
            return try await bootstrap.connect(host: host, port: port).get()
        } catch {
            throw NetError.connect(address, String(describing: error))
        }
    }

    private func exchange(_ request: HTTPRequestMessage, on channel: any Channel, timeout: Double) async throws -> HTTPResponseMessage {
        let promise = channel.eventLoop.makePromise(of: HTTPResponseMessage.self)
        let address = self.address
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(timeout * 1e9))) {
            promise.fail(NetError.timeout(address, timeout))
            channel.close(promise: nil)
        }
        channel.writeAndFlush(ClientHandler.Outgoing(request: request, host: address, promise: promise)).whenFailure { error in
            promise.fail(NetError.closed(address))
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

private final class ClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    struct Outgoing: Sendable {
        var request: HTTPRequestMessage
        var host: String
        var promise: EventLoopPromise<HTTPResponseMessage>
    }

    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = Outgoing
    typealias OutboundOut = HTTPClientRequestPart

    private let address: String
    private var pending: EventLoopPromise<HTTPResponseMessage>?
    private var head: HTTPResponseHead?
    private var body: [UInt8] = []

    init(address: String) { self.address = address }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let out = unwrapOutboundIn(data)
        pending = out.promise
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
        case .body(var buffer):
            if let bytes = buffer.readBytes(length: buffer.readableBytes) { body += bytes }
        case .end:
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
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pending?.fail(NetError.badResponse(address, String(describing: error)))
        pending = nil
        context.close(promise: nil)
    }
}
