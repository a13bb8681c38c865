import Foundation
import RampartNet

/// How RampartAWS reaches the network and time: the one HTTP client, the wall clock (signatures
/// and credential expiry are wall-clock matters), the wait between attempts and its jitter.
/// Tests replace any of them, so nothing in them sleeps or depends on the date.
public struct AWSTransport: Sendable {
    public typealias Send =
        @Sendable (_ method: String, _ url: String, _ headers: [(String, String)], _ body: [UInt8], _ timeout: Double)
        async throws(ServiceHTTP.TransportError) -> ServiceHTTP.Response

    public var send: Send
    public var now: @Sendable () -> Date
    public var sleep: @Sendable (Double) async -> Void
    public var jitter: @Sendable () -> Double

    public init(
        send: @escaping Send = { (m, u, h, b, t) async throws(ServiceHTTP.TransportError) in
            try await ServiceHTTP.send(m, u, headers: h, body: b, timeout: t)
        },
        now: @escaping @Sendable () -> Date = { Date() },
        sleep: @escaping @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) },
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) }
    ) {
        self.send = send
        self.now = now
        self.sleep = sleep
        self.jitter = jitter
    }

    public static let live = AWSTransport()
}
