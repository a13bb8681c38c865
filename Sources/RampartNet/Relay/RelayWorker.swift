import CEpoll
import Foundation
import Glibc
import RampartCore
import Synchronization

/// One thread of the relay: an epoll loop over its share of the client connections and its own
/// pool of upstream connections. A whole plain-HTTP exchange (the proxy's common request) is
/// relayed here without leaving the thread; anything else runs the proxy's async handler as a
/// task and comes back as a delivery.
final class RelayWorker: @unchecked Sendable {
    /// What a handler task hands back to the loop.
    enum Delivery {
        case response(RelayClient, HTTPResponseMessage, minorVersion: Int, keepAlive: Bool, bodyless: Bool)
        case part(RelayClient, [UInt8])
        case end(RelayClient, broken: Bool)
        case exchange(RelayExchange, Result<HTTPResponseMessage, any Error>)
        /// A connection another worker accepted for this one.
        case adopt(Int32)
        case drain
    }

    private let epfd: Int32
    private let wake: (read: Int32, write: Int32)
    private let listener: RelayListener
    private let proxy: WeightedProxy
    private let pinned: Variant?
    private let idleTimeout: Double
    private var clients: [Int32: RelayClient] = [:]
    private var upstreams: [Int32: RelayUpstream] = [:]
    private var pool: [ObjectIdentifier: [RelayUpstream]] = [:]
    private var addresses: [ObjectIdentifier: RelaySocket.Address?] = [:]
    /// Deliveries waiting for the loop; closed once the loop has ended, after which a connection
    /// dealt to this worker is closed rather than lost.
    private let inbox = Mutex<(queue: [Delivery], open: Bool)>(([], true))
    private var draining = false
    /// Exchanges on upstream connections now: while there are any, the loop wakes often enough
    /// to enforce their timeouts; an idle relay sleeps a second at a time.
    private var inFlight = 0
    private var acceptPausedUntil: Double?
    /// Routing draws: seeded once from the system's generator, which would otherwise ask the
    /// kernel (getrandom) on every request.
    private var random = SeededRandom(seed: UInt64.random(in: .min ... .max))
    private let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    private static let maxIdlePerUpstream = 128
    /// What a client may have buffered while its request is served: one more whole request.
    private static let maxPipelined = HTTPServer.maxBodyBytes + HTTP1Parser.maxHeadBytes
    private static let connectTimeout = 5.0

    init(listener: RelayListener, proxy: WeightedProxy, pinned: Variant?, idleTimeout: Double) throws(RelayBindError) {
        self.listener = listener
        self.proxy = proxy
        self.pinned = pinned
        self.idleTimeout = idleTimeout
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        var fds: [Int32] = [0, 0]
        guard epfd >= 0, pipe(&fds) == 0 else { throw RelayBindError(reason: String(cString: strerror(errno))) }
        wake = (fds[0], fds[1])
        RelaySocket.nonBlocking(wake.read)
        RelaySocket.nonBlocking(wake.write)
        register(wake.read, EPOLLIN.rawValue)
        // Exclusive: a new connection wakes one worker, not all of them.
        register(listener.fd, EPOLLIN.rawValue | cepoll_exclusive())
    }

    deinit { scratch.deallocate() }

    func start() {
        Thread { [self] in run() }.start()
    }

    /// Hands a delivery to the loop from any thread.
    func deliver(_ delivery: Delivery) {
        let first = inbox.withLock { inbox -> Bool? in
            guard inbox.open else { return nil }
            inbox.queue.append(delivery)
            return inbox.queue.count == 1
        }
        guard let first else {
            if case .adopt(let fd) = delivery { close(fd) }
            return
        }
        if first {
            var byte: UInt8 = 1
            _ = Glibc.write(wake.write, &byte, 1)
        }
    }

    // MARK: - The loop

    private static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    private func run() {
        Thread.current.name = "rampart-relay"
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: 256)
        defer { events.deallocate() }
        var nextSweep = Self.now() + 0.1
        while true {
            let busy = draining || inFlight > 0 || acceptPausedUntil != nil
            let n = epoll_wait(epfd, events, 256, busy ? 50 : 1000)
            if n < 0 && errno != EINTR { break }
            for k in 0..<max(0, Int(n)) {
                let event = events[k]
                let fd = event.data.fd
                let flags = event.events
                if fd == listener.fd {
                    acceptClients()
                } else if fd == wake.read {
                    drainWake()
                } else if let client = clients[fd] {
                    clientEvent(client, flags)
                } else if let upstream = upstreams[fd] {
                    upstreamEvent(upstream, flags)
                }
            }
            let now = Self.now()
            if now >= nextSweep || n == 0 {
                sweep(now)
                nextSweep = now + 0.05
            }
            if draining && clients.isEmpty { break }
        }
        for upstream in Array(upstreams.values) { closeUpstream(upstream) }
        for delivery in inbox.withLock({ inbox in
            inbox.open = false
            return inbox.queue
        }) {
            if case .adopt(let fd) = delivery { close(fd) }
        }
        close(epfd)
        close(wake.read)
        close(wake.write)
    }

    private func register(_ fd: Int32, _ events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event)
    }

    private func modify(_ fd: Int32, _ events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        _ = epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &event)
    }

    private func drainWake() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wake.read, &buffer, 64) > 0 {}
        for delivery in inbox.withLock({ inbox in
            defer { inbox.queue.removeAll(keepingCapacity: true) }
            return inbox.queue
        }) {
            switch delivery {
            case .response(let client, let response, let minor, let keepAlive, let bodyless):
                respond(client, response, minorVersion: minor, keepAlive: keepAlive, bodyless: bodyless)
            case .part(let client, let bytes):
                guard !client.closed, let stream = client.streaming else { continue }
                if stream.chunked { RelayWire.chunk(&client.output, bytes) } else { client.output += bytes }
                flush(client)
            case .end(let client, let broken):
                guard !client.closed, let stream = client.streaming else { continue }
                client.streaming = nil
                client.busy = false
                if broken {
                    // The client sees a truncated body, never a made-up ending.
                    client.closeAfterWrite = true
                } else {
                    if stream.chunked { client.output += RelayWire.lastChunk }
                    if !stream.keepAlive || draining { client.closeAfterWrite = true }
                }
                flush(client)
            case .exchange(let exchange, let outcome):
                finish(exchange, outcome)
            case .adopt(let fd):
                adopt(fd)
            case .drain:
                startDraining()
            }
        }
    }

    /// Timeouts: exchanges past their deadline, connects past theirs, clients idle too long.
    private func sweep(_ now: Double) {
        for upstream in Array(upstreams.values) {
            if let exchange = upstream.exchange, now >= exchange.deadline {
                closeUpstream(upstream)
                finish(exchange, .failure(NetError.timeout(exchange.upstream.endpoint.address, proxy.timeout)))
            } else if !upstream.connected, now >= upstream.connectDeadline, let exchange = upstream.exchange {
                closeUpstream(upstream)
                finish(exchange, .failure(NetError.connect(exchange.upstream.endpoint.address, "connection timed out")))
            }
        }
        // A request that stalls halfway counts as idle too, as NIO's read timeout does: a client
        // must not hold a connection by sending a head and never its body.
        for client in Array(clients.values) where !client.busy && !client.hasOutput && now - client.lastActive >= idleTimeout {
            closeClient(client)
        }
        if let until = acceptPausedUntil, now >= until, !draining {
            acceptPausedUntil = nil
            register(listener.fd, EPOLLIN.rawValue | cepoll_exclusive())
        }
    }

    private func startDraining() {
        guard !draining else { return }
        draining = true
        // Already out of the set if accepting was paused; the call then fails harmlessly.
        _ = epoll_ctl(epfd, EPOLL_CTL_DEL, listener.fd, nil)
        acceptPausedUntil = nil
        listener.release()
        for client in Array(clients.values) {
            if !client.busy && !client.hasOutput { closeClient(client) } else { client.closeAfterWrite = true }
        }
    }

    // MARK: - Clients

    private func acceptClients() {
        for _ in 0..<64 {
            let fd = accept(listener.fd, nil, nil)
            if fd < 0 {
                if errno == EMFILE || errno == ENFILE {
                    // Out of descriptors: stop accepting for a moment rather than spin on a
                    // listener that stays readable.
                    _ = epoll_ctl(epfd, EPOLL_CTL_DEL, listener.fd, nil)
                    acceptPausedUntil = Self.now() + 0.1
                }
                return
            }
            // Connections are dealt round the workers: whichever wakes first for the listener
            // would otherwise take a whole burst of them and leave the other cores idle.
            if let owner = listener.nextOwner(), owner !== self { owner.deliver(.adopt(fd)) } else { adopt(fd) }
        }
    }

    private func adopt(_ fd: Int32) {
        guard !draining else {
            close(fd)
            return
        }
        RelaySocket.nonBlocking(fd)
        RelaySocket.noDelay(fd)
        clients[fd] = RelayClient(fd: fd, now: Self.now())
        register(fd, EPOLLIN.rawValue)
    }

    private func clientEvent(_ client: RelayClient, _ flags: UInt32) {
        if flags & EPOLLOUT.rawValue != 0 { flush(client) }
        guard !client.closed, flags & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0, client.reading else { return }
        switch RelaySocket.read(client.fd, into: scratch) {
        case .done(let n):
            client.input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
            client.lastActive = Self.now()
            if client.busy && client.input.count > Self.maxPipelined {
                // Pipelined bytes beyond one whole request wait in the socket, not in memory.
                client.paused = true
                updateInterest(client)
            }
            advance(client)
        case .wouldBlock:
            return
        case .closed:
            // The client has nothing more to send; an answer in progress is still written.
            if client.busy || client.hasOutput {
                client.closeAfterWrite = true
                client.reading = false
                updateInterest(client)
            } else {
                closeClient(client)
            }
        case .failed:
            closeClient(client)
        }
    }

    private func updateInterest(_ client: RelayClient) {
        var events: UInt32 = 0
        if client.reading && !client.paused { events |= EPOLLIN.rawValue }
        if client.writing { events |= EPOLLOUT.rawValue }
        modify(client.fd, events)
    }

    /// Serves the next whole request in the client's buffer, if there is one and nothing is in
    /// progress (answers go out in the order the requests came).
    private func advance(_ client: RelayClient) {
        guard !client.busy, !client.closed, !client.closeAfterWrite, !client.hasOutput else { return }
        let parsed: (HTTP1Head, [UInt8], Int)?
        do {
            parsed = try client.input.withUnsafeBufferPointer { bytes throws(HTTP1Error) in try nextRequest(client, bytes) }
        } catch {
            let minor = client.head?.minorVersion ?? 1
            client.head = nil
            client.chunked = nil
            client.input.removeAll()
            respond(client, .error(error.status, error.reason), minorVersion: minor, keepAlive: false, bodyless: false)
            return
        }
        guard let (head, body, end) = parsed else { return }
        client.input.removeFirst(end)
        client.head = nil
        client.chunked = nil
        client.chunkedPosition = 0
        client.sentContinue = false
        client.busy = true
        let keepAlive = !head.closes && !draining
        serve(client, RelayRequest(head: head, body: body), minorVersion: head.minorVersion, keepAlive: keepAlive)
    }

    /// The request at the start of the buffer: its head, body and length, or nil until all of it
    /// has arrived (sending `100 Continue` when the client waits for one).
    private func nextRequest(_ client: RelayClient, _ bytes: UnsafeBufferPointer<UInt8>) throws(HTTP1Error) -> (HTTP1Head, [UInt8], Int)? {
        if client.head == nil {
            // Nil until the head's end arrives; a head longer than the parser allows throws 431.
            guard let head = try HTTP1Parser.parse(bytes, from: 0, isRequest: true) else { return nil }
            if case .length(let n) = head.framing, n > HTTPServer.maxBodyBytes {
                throw HTTP1Error(status: 413, reason: "request body over \(HTTPServer.maxBodyBytes) bytes")
            }
            client.head = head
            if head.framing == .chunked { client.chunked = ChunkedDecoder() }
        }
        guard let head = client.head else { return nil }
        switch head.framing {
        case .length(let n):
            if bytes.count - head.end >= n { return (head, Array(bytes[head.end..<(head.end + n)]), head.end + n) }
        case .chunked:
            var decoder = client.chunked ?? ChunkedDecoder()
            // The decoder resumes where it stopped: keep its position as the message's end so far.
            let consumed = try decoder.feed(bytes, from: max(head.end, client.chunkedPosition), limit: HTTPServer.maxBodyBytes)
            client.chunked = decoder
            client.chunkedPosition = consumed
            if decoder.isDone { return (head, decoder.body, consumed) }
        case .untilClose:
            return nil
        }
        if head.expectsContinue && !client.sentContinue {
            client.sentContinue = true
            client.output += RelayWire.continueLine
            flush(client)
        }
        return nil
    }

    private func serve(_ client: RelayClient, _ request: RelayRequest, minorVersion: Int, keepAlive: Bool) {
        if case .relay(let variant, let upstream, let body, let started) = proxy.plan(request, pinned: pinned, random: &random) {
            let numeric = address(of: upstream.endpoint) != nil
            let exchange = RelayExchange(
                client: client, request: request, variant: variant, upstream: upstream,
                bytes: numeric
                    ? RelayWire.request(
                        request, body: body, prefix: upstream.pathPrefix, rules: upstream.outgoingHeaders, host: upstream.endpoint.address)
                    : [],
                started: started, deadline: Self.now() + proxy.timeout, minorVersion: minorVersion, keepAlive: keepAlive)
            if numeric {
                send(exchange, reuse: true)
            } else {
                // A host name: the NIO client resolves it without blocking this loop.
                let timeout = proxy.timeout
                var outgoing = upstream.prepare(request.message, json: nil)
                outgoing.body = body
                Task(executorPreference: NetExecutor.shared) { [self, outgoing] in
                    do {
                        deliver(.exchange(exchange, .success(try await upstream.endpoint.send(outgoing, timeout: timeout))))
                    } catch {
                        deliver(.exchange(exchange, .failure(error)))
                    }
                }
            }
            return
        }
        let proxy = self.proxy, pinned = self.pinned
        let bodyless = request.isHead
        let message = request.message
        Task(executorPreference: NetExecutor.shared) { [self] in
            let response = await proxy.handle(message, pinned: pinned)
            deliver(.response(client, response, minorVersion: minorVersion, keepAlive: keepAlive, bodyless: bodyless))
        }
    }

    /// Queues an answer for the client and writes what the socket takes now. A streamed one
    /// gets its head here and its parts as they are delivered.
    private func respond(_ client: RelayClient, _ response: HTTPResponseMessage, minorVersion: Int, keepAlive: Bool, bodyless: Bool) {
        guard !client.closed else { return }
        let streamed = response.stream != nil && !bodyless
        let keepAlive = answer(client, keepAlive: keepAlive, whole: !streamed) {
            RelayWire.response(response, minorVersion: minorVersion, keepAlive: $0, bodyless: bodyless)
        }
        if let stream = response.stream, streamed {
            let chunked = minorVersion == 1
            client.streaming = (chunked, keepAlive && chunked)
            if !chunked { client.closeAfterWrite = true }
            Task(executorPreference: NetExecutor.shared) { [self] in
                do {
                    for try await part in stream where !part.isEmpty { deliver(.part(client, part)) }
                    deliver(.end(client, broken: false))
                } catch {
                    deliver(.end(client, broken: true))
                }
            }
        }
        flush(client)
    }

    /// Passes an upstream's whole answer on to the client, its header lines copied as bytes.
    private func respond(_ client: RelayClient, passing head: HTTP1Head, body: [UInt8], variant: Variant, minorVersion: Int, keepAlive: Bool) {
        guard !client.closed else { return }
        answer(client, keepAlive: keepAlive, whole: true) {
            RelayWire.passThrough(head, body: body, variant: variant, minorVersion: minorVersion, keepAlive: $0)
        }
        flush(client)
    }

    /// Queues an answer's bytes, written for whether the connection stays open (not while
    /// draining, nor after the client has finished sending); a `whole` answer ends the request.
    /// Returns whether the connection stays open.
    @discardableResult
    private func answer(_ client: RelayClient, keepAlive: Bool, whole: Bool, _ bytes: (Bool) -> [UInt8]) -> Bool {
        let keepAlive = keepAlive && !draining && !client.closeAfterWrite
        let out = bytes(keepAlive)
        if client.hasOutput { client.output += out } else { (client.output, client.outputStart) = (out, 0) }
        if whole {
            client.busy = false
            if !keepAlive { client.closeAfterWrite = true }
        }
        return keepAlive
    }

    /// Writes what the socket takes; waits for EPOLLOUT for the rest. Once everything is written
    /// the connection closes if it must, or serves its next pipelined request.
    private func flush(_ client: RelayClient) {
        guard !client.closed else { return }
        while client.hasOutput {
            let result = client.output.withUnsafeBytes { all in
                RelaySocket.write(client.fd, UnsafeRawBufferPointer(rebasing: all[client.outputStart...]))
            }
            switch result {
            case .done(let n):
                client.outputStart += n
                client.lastActive = Self.now()
            case .wouldBlock:
                if !client.writing {
                    client.writing = true
                    updateInterest(client)
                }
                return
            case .closed, .failed:
                closeClient(client)
                return
            }
        }
        client.output.removeAll(keepingCapacity: true)
        client.outputStart = 0
        if client.writing {
            client.writing = false
            updateInterest(client)
        }
        if client.closeAfterWrite && !client.busy {
            closeClient(client)
            return
        }
        if client.paused && !client.busy {
            client.paused = false
            updateInterest(client)
        }
        if !client.busy && !client.input.isEmpty { advance(client) }
    }

    private func closeClient(_ client: RelayClient) {
        guard !client.closed else { return }
        client.closed = true
        clients.removeValue(forKey: client.fd)
        close(client.fd)
    }

    // MARK: - Upstreams

    private func address(of endpoint: HTTPEndpoint) -> RelaySocket.Address? {
        let key = ObjectIdentifier(endpoint)
        if let known = addresses[key] { return known }
        let found = RelaySocket.Address.numeric(endpoint.host, port: endpoint.port)
        addresses[key] = found
        return found
    }

    /// Sends an exchange on a pooled connection, or a new one.
    private func send(_ exchange: RelayExchange, reuse: Bool) {
        let endpoint = exchange.upstream.endpoint
        let key = ObjectIdentifier(endpoint)
        var connection: RelayUpstream?
        if reuse {
            while let idle = pool[key]?.popLast() {
                if upstreams[idle.fd] === idle {
                    connection = idle
                    break
                }
            }
        }
        if connection == nil {
            guard let address = address(of: endpoint) else {
                finish(exchange, .failure(NetError.connect(endpoint.address, "not a numeric address")))
                return
            }
            let (fd, error) = RelaySocket.connect(to: address)
            guard fd >= 0 else {
                finish(exchange, .failure(NetError.connect(endpoint.address, String(cString: strerror(error)))))
                return
            }
            let fresh = RelayUpstream(fd: fd, key: key, connectDeadline: Self.now() + Self.connectTimeout)
            upstreams[fd] = fresh
            fresh.writing = true
            register(fd, EPOLLIN.rawValue | EPOLLOUT.rawValue)
            connection = fresh
        } else {
            connection?.reused = true
        }
        guard let connection else { return }
        connection.exchange = exchange
        inFlight += 1
        connection.output = exchange.bytes
        connection.outputStart = 0
        connection.input.removeAll(keepingCapacity: true)
        connection.head = nil
        connection.chunked = nil
        if connection.connected { flushUpstream(connection) }
    }

    private func upstreamEvent(_ upstream: RelayUpstream, _ flags: UInt32) {
        if !upstream.connected {
            guard flags & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
            let error = RelaySocket.pendingError(upstream.fd)
            guard error == 0 else {
                let exchange = upstream.exchange
                closeUpstream(upstream)
                if let exchange { finish(exchange, .failure(NetError.connect(exchange.upstream.endpoint.address, String(cString: strerror(error))))) }
                return
            }
            upstream.connected = true
        }
        if flags & EPOLLOUT.rawValue != 0 && upstream.outputStart < upstream.output.count { flushUpstream(upstream) }
        if flags & (EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0, upstreams[upstream.fd] === upstream { readUpstream(upstream) }
    }

    private func flushUpstream(_ upstream: RelayUpstream) {
        while upstream.outputStart < upstream.output.count {
            let result = upstream.output.withUnsafeBytes { all in
                RelaySocket.write(upstream.fd, UnsafeRawBufferPointer(rebasing: all[upstream.outputStart...]))
            }
            switch result {
            case .done(let n):
                upstream.outputStart += n
            case .wouldBlock:
                if !upstream.writing {
                    upstream.writing = true
                    modify(upstream.fd, EPOLLIN.rawValue | EPOLLOUT.rawValue)
                }
                return
            case .closed, .failed:
                failUpstream(upstream, NetError.closed(upstream.exchange?.upstream.endpoint.address ?? ""))
                return
            }
        }
        if upstream.writing {
            upstream.writing = false
            modify(upstream.fd, EPOLLIN.rawValue)
        }
    }

    private func readUpstream(_ upstream: RelayUpstream) {
        switch RelaySocket.read(upstream.fd, into: scratch) {
        case .done(let n):
            guard upstream.exchange != nil else {
                // An idle connection has nothing to say; whatever it sent makes it unusable.
                closeUpstream(upstream)
                return
            }
            upstream.input.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
            parseResponse(upstream, atEOF: false)
        case .wouldBlock:
            return
        case .closed:
            guard upstream.exchange != nil else { return closeUpstream(upstream) }
            parseResponse(upstream, atEOF: true)
        case .failed:
            guard let exchange = upstream.exchange else { return closeUpstream(upstream) }
            failUpstream(
                upstream,
                upstream.input.isEmpty
                    ? NetError.closed(exchange.upstream.endpoint.address)
                    : NetError.badResponse(exchange.upstream.endpoint.address, "connection closed mid-response"))
        }
    }

    /// Reads the response as far as it has arrived; finishes the exchange once it is whole.
    private func parseResponse(_ upstream: RelayUpstream, atEOF: Bool) {
        guard let exchange = upstream.exchange else { return }
        let address = exchange.upstream.endpoint.address
        let result: Result<(HTTP1Head, [UInt8], reusable: Bool)?, HTTP1Error> = upstream.input.withUnsafeBufferPointer { bytes in
            do throws(HTTP1Error) {
                var start = 0
                while upstream.head == nil {
                    guard let head = try HTTP1Parser.parse(bytes, from: start, isRequest: false) else { return .success(nil) }
                    // An interim answer (100 Continue) is skipped; the final one follows.
                    if (100..<200).contains(head.status) {
                        start = head.end
                        continue
                    }
                    var final = head
                    if head.status == 204 || head.status == 304 { final.framing = .length(0) }
                    upstream.head = final
                    if final.framing == .chunked { upstream.chunked = ChunkedDecoder() }
                }
                guard let head = upstream.head else { return .success(nil) }
                var body: [UInt8]
                switch head.framing {
                case .length(let n):
                    guard n <= HTTPServer.maxBodyBytes else {
                        throw HTTP1Error(status: 502, reason: "response body over \(HTTPServer.maxBodyBytes) bytes")
                    }
                    guard bytes.count - head.end >= n else { return .success(nil) }
                    body = Array(bytes[head.end..<(head.end + n)])
                case .chunked:
                    var decoder = upstream.chunked ?? ChunkedDecoder()
                    let position = try decoder.feed(bytes, from: max(head.end, upstream.chunkedPosition), limit: HTTPServer.maxBodyBytes)
                    upstream.chunked = decoder
                    upstream.chunkedPosition = position
                    guard decoder.isDone else { return .success(nil) }
                    body = decoder.body
                case .untilClose:
                    guard bytes.count - head.end <= HTTPServer.maxBodyBytes else {
                        throw HTTP1Error(status: 502, reason: "response body over \(HTTPServer.maxBodyBytes) bytes")
                    }
                    guard atEOF else { return .success(nil) }
                    body = Array(bytes[head.end...])
                }
                return .success((head, body, !head.closes && head.framing != .untilClose))
            } catch {
                return .failure(error)
            }
        }
        switch result {
        case .failure(let error):
            failUpstream(upstream, NetError.badResponse(address, error.reason))
        case .success(nil):
            if atEOF {
                failUpstream(
                    upstream, upstream.input.isEmpty ? NetError.closed(address) : NetError.badResponse(address, "connection closed mid-response"))
            }
        case .success(let (head, body, reusable)?):
            upstream.exchange = nil
            inFlight -= 1
            upstream.head = nil
            upstream.chunked = nil
            upstream.chunkedPosition = 0
            upstream.input.removeAll(keepingCapacity: true)
            if reusable && !atEOF && !draining && (pool[upstream.key]?.count ?? 0) < Self.maxIdlePerUpstream {
                upstream.reused = false
                pool[upstream.key, default: []].append(upstream)
            } else {
                closeUpstream(upstream)
            }
            finish(exchange, answer: head, body: body)
        }
    }

    /// The exchange on this connection failed: closed before any answer on a pooled connection
    /// is tried once more on a fresh one (the server dropped it while idle); anything else is the
    /// version's error.
    private func failUpstream(_ upstream: RelayUpstream, _ error: NetError) {
        let exchange = upstream.exchange
        let wasReused = upstream.reused
        closeUpstream(upstream)
        guard let exchange else { return }
        if case .closed = error, wasReused, !exchange.retried {
            exchange.retried = true
            send(exchange, reuse: false)
            return
        }
        finish(exchange, .failure(error))
    }

    private func closeUpstream(_ upstream: RelayUpstream) {
        guard upstreams[upstream.fd] === upstream else { return }
        upstreams.removeValue(forKey: upstream.fd)
        if upstream.exchange != nil { inFlight -= 1 }
        upstream.exchange = nil
        close(upstream.fd)
    }

    /// Measures and records a relayed exchange through the proxy, and passes the answer on (or
    /// the error the proxy makes of it).
    private func finish(_ exchange: RelayExchange, answer head: HTTP1Head, body: [UInt8]) {
        if let replaced = proxy.assess(
            exchange.request, variant: exchange.variant, upstream: exchange.upstream, started: exchange.started, .success((head.status, body)))
        {
            let response = proxy.tagged(replaced, exchange.variant)
            respond(exchange.client, response, minorVersion: exchange.minorVersion, keepAlive: exchange.keepAlive, bodyless: false)
        } else {
            respond(
                exchange.client, passing: head, body: body, variant: exchange.variant, minorVersion: exchange.minorVersion,
                keepAlive: exchange.keepAlive)
        }
    }

    /// Measures and records the exchange through the proxy, and answers the client.
    private func finish(_ exchange: RelayExchange, _ outcome: Result<HTTPResponseMessage, any Error>) {
        let response = proxy.conclude(exchange.request, variant: exchange.variant, upstream: exchange.upstream, started: exchange.started, outcome)
        respond(exchange.client, response, minorVersion: exchange.minorVersion, keepAlive: exchange.keepAlive, bodyless: false)
    }
}

/// The listening socket the workers share; closed when the last of them lets go, so `stop`
/// returns with the port free.
final class RelayListener: Sendable {
    let fd: Int32
    private let holders: Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>
    /// The workers new connections are dealt to, in turn; emptied when the listener closes.
    private let owners = Mutex<(workers: [RelayWorker], next: Int)>(([], 0))

    func deal(to workers: [RelayWorker]) { owners.withLock { $0.workers = workers } }

    func nextOwner() -> RelayWorker? {
        owners.withLock { state in
            guard !state.workers.isEmpty else { return nil }
            state.next = (state.next + 1) % state.workers.count
            return state.workers[state.next]
        }
    }

    init(fd: Int32, holders: Int) {
        self.fd = fd
        self.holders = Mutex((holders, []))
    }

    func release() {
        let waiters = holders.withLock { state -> [CheckedContinuation<Void, Never>]? in
            state.count -= 1
            guard state.count == 0 else { return nil }
            defer { state.waiters = [] }
            return state.waiters
        }
        guard let waiters else { return }
        owners.withLock { $0.workers = [] }
        close(fd)
        for waiter in waiters { waiter.resume() }
    }

    func closed() async {
        await withCheckedContinuation { continuation in
            let done = holders.withLock { state -> Bool in
                if state.count <= 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }
}
