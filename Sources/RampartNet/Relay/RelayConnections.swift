import RampartCore

/// One client connection on a relay worker. Touched only by its worker's thread; the reference
/// travels through a handler task and back (`RelayWorker.Delivery`) but is never used there.
final class RelayClient: @unchecked Sendable {
    let fd: Int32
    var input: [UInt8] = []
    var output: [UInt8] = []
    var outputStart = 0
    /// The request being read: its head once parsed, and its chunked body's decoder.
    var head: HTTP1Head?
    var chunked: ChunkedDecoder?
    /// Where the chunked decoder stopped in `input`.
    var chunkedPosition = 0
    var sentContinue = false
    /// A request is being served: the next one (pipelined) waits until its answer is queued.
    var busy = false
    /// The answer in progress is streamed; its parts arrive as deliveries.
    var streaming: (chunked: Bool, keepAlive: Bool)?
    var closeAfterWrite = false
    var closed = false
    /// EPOLLIN and EPOLLOUT as registered now.
    var reading = true
    var writing = false
    /// Reading stopped while a request is served because a whole next one is already buffered.
    var paused = false
    /// Monotonic seconds of the last byte read or written, for the idle timeout.
    var lastActive: Double

    init(fd: Int32, now: Double) {
        self.fd = fd
        self.lastActive = now
    }

    var hasOutput: Bool { outputStart < output.count }
}

/// One request relayed to an upstream: who asked, what was asked, and when it must be answered.
/// A class: it moves between the worker, its upstream connection and a handler task, and a
/// struct this size (the version's whole `ProxyUpstream` inside) cost a retain and release of
/// every field at each move. Touched only by its worker's thread, like `RelayClient`.
final class RelayExchange: @unchecked Sendable {
    let client: RelayClient
    let request: RelayRequest
    let variant: Variant
    let upstream: ProxyUpstream
    let bytes: [UInt8]
    let started: ContinuousClock.Instant
    let deadline: Double
    let minorVersion: Int
    let keepAlive: Bool
    /// Sent again once already, on a fresh connection after a stale pooled one.
    var retried = false

    init(
        client: RelayClient, request: RelayRequest, variant: Variant, upstream: ProxyUpstream, bytes: [UInt8],
        started: ContinuousClock.Instant, deadline: Double, minorVersion: Int, keepAlive: Bool
    ) {
        self.client = client
        self.request = request
        self.variant = variant
        self.upstream = upstream
        self.bytes = bytes
        self.started = started
        self.deadline = deadline
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
    }
}

/// One connection to an upstream on a relay worker: idle in the pool, or carrying one exchange.
final class RelayUpstream {
    let fd: Int32
    let key: ObjectIdentifier
    var connected = false
    let connectDeadline: Double
    var output: [UInt8] = []
    var outputStart = 0
    var input: [UInt8] = []
    var head: HTTP1Head?
    var chunked: ChunkedDecoder?
    var chunkedPosition = 0
    var exchange: RelayExchange?
    /// Came from the pool: a failure before any answer may be a connection the server closed
    /// while idle, and is retried once.
    var reused = false
    var writing = false

    init(fd: Int32, key: ObjectIdentifier, connectDeadline: Double) {
        self.fd = fd
        self.key = key
        self.connectDeadline = connectDeadline
    }
}
