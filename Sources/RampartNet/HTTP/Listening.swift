/// Something serving on a port that can be stopped: the NIO `HTTPServer`, or the proxy's relay.
public protocol Listening: Sendable {
    /// The port actually bound (useful with port 0); nil for a Unix socket.
    var port: Int? { get }
    /// Stops accepting and ends every connection: idle ones now, busy ones once the answer in
    /// progress is written.
    func stop() async
}

extension HTTPServer: Listening {}
