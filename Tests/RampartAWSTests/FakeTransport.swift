import Foundation
import RampartNet

@testable import RampartAWS

/// An AWS endpoint in memory: answers requests from a script and records them, with a clock
/// that moves only when a test moves it and sleeps that only record how long they were.
final class FakeAWS: @unchecked Sendable {
    struct Sent {
        var method: String
        var url: String
        var headers: [(String, String)]
        var body: String
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    private let lock = NSLock()
    private var script: [(Sent) -> ServiceHTTP.Response]
    private var _sent: [Sent] = []
    private var _slept: [Double] = []
    private var _now = Date(timeIntervalSince1970: 1_796_083_198)  // 2026-11-30T23:59:58Z

    init(_ script: [(Sent) -> ServiceHTTP.Response] = []) { self.script = script }

    var sent: [Sent] { lock.withLock { _sent } }
    var slept: [Double] { lock.withLock { _slept } }
    var now: Date { lock.withLock { _now } }
    func advance(_ seconds: Double) { lock.withLock { _now += seconds } }
    func then(_ answer: @escaping (Sent) -> ServiceHTTP.Response) { lock.withLock { script.append(answer) } }

    var transport: AWSTransport {
        AWSTransport(
            send: { (m, u, h, b, _) async throws(ServiceHTTP.TransportError) in
                try self.answer(Sent(method: m, url: u, headers: h, body: String(decoding: b, as: UTF8.self)))
            },
            now: { self.now }, sleep: { s in self.lock.withLock { self._slept.append(s) } }, jitter: { 0.5 })
    }

    private func answer(_ s: Sent) throws(ServiceHTTP.TransportError) -> ServiceHTTP.Response {
        let next: ((Sent) -> ServiceHTTP.Response)? = lock.withLock {
            _sent.append(s)
            return script.isEmpty ? nil : script.removeFirst()
        }
        guard let next else { return Self.response(500, "{\"__type\":\"NoScript\",\"message\":\"no scripted answer\"}") }
        let r = next(s)
        if r.status == -1 { throw .timedOut }
        return r
    }

    /// Scripted as an answer, sent as a timeout: nothing answered in time.
    static func timedOut(_ s: Sent) -> ServiceHTTP.Response { ServiceHTTP.Response(status: -1, headers: [], body: []) }

    static func response(_ status: Int, _ body: String, headers: [(name: String, value: String)] = []) -> ServiceHTTP.Response {
        ServiceHTTP.Response(status: status, headers: headers, body: Array(body.utf8))
    }

    static func stsCredentials(_ action: String, key: String, expires: String) -> ServiceHTTP.Response {
        response(
            200,
            "<\(action)Response><\(action)Result><Credentials><AccessKeyId>\(key)</AccessKeyId><SecretAccessKey>s3cr3t-\(key)</SecretAccessKey><SessionToken>tok-\(key)</SessionToken><Expiration>\(expires)</Expiration></Credentials></\(action)Result></\(action)Response>"
        )
    }
}
