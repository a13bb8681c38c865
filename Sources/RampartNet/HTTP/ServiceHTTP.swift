import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import RampartCore

/// Requests to other services (model gateways, the LLM judge, embeddings, webhooks,
/// Prometheus) through one client: async-http-client, with its connection pool, TLS against the
/// system's roots, and a deadline that covers the whole exchange, body included. A server that
/// accepts and then says nothing never holds a gate, an analysis or a notification past it.
///
/// Retries are not made here: callers decide with `RetryPolicy`, once, so attempts never nest.
public enum ServiceHTTP {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: [UInt8]

        public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public func header(_ name: String) -> String? {
            headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// Why no answer came, in terms a message can be built from.
    public enum TransportError: Error, Sendable, Equatable {
        case timedOut
        case refused
        case unknownHost
        case tls(String)
        case connectionLost
        case invalidURL(String)
        case bodyTooLarge(Int)
        case other(String)
    }

    /// Bodies larger than this are refused rather than held in memory: no model answer, judge
    /// verdict or metrics response is anywhere near it.
    public static let maxBodyBytes = 32 << 20

    /// The process's one client. Redirects are followed (as curl -L would) up to five;
    /// connections idle for 60 s are closed.
    static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .follow(max: 5, allowCycles: false))
        configuration.connectionPool = .init(idleTimeout: .seconds(60))
        // A refused connection is an answer (nothing listens): say so now instead of retrying
        // it until the deadline, so a dead Prometheus or gateway is reported as such.
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout = .init(connect: .seconds(10))
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()

    /// One request and its whole answer within `timeout` seconds.
    public static func send(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil, timeout: Double
    ) async throws(TransportError) -> Response {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil
        else { throw .invalidURL(url) }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let seconds = max(0.001, min(timeout, 86_400 * 365))
        let prepared = request
        do {
            return try await withThrowingTaskGroup(of: Response.self) { group in
                group.addTask {
                    let response = try await client.execute(prepared, timeout: .milliseconds(Int64(seconds * 1000)))
                    var collected: [UInt8] = []
                    for try await part in response.body {
                        guard collected.count + part.readableBytes <= maxBodyBytes else { throw TransportError.bodyTooLarge(maxBodyBytes) }
                        collected.append(contentsOf: part.readableBytesView)
                    }
                    return Response(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: collected)
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(seconds))
                    throw TransportError.timedOut
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw TransportError.timedOut }
                return first
            }
        } catch {
            throw classify(error)
        }
    }

    /// async-http-client and NIO report causes as several types; each becomes one stable case.
    public static func classify(_ error: any Error) -> TransportError {
        if let e = error as? TransportError { return e }
        if let e = error as? NetError { return classify(e) }
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout: return .timedOut
            case .remoteConnectionClosed: return .connectionLost
            case .invalidURL, .emptyHost, .emptyScheme: return .invalidURL("\(e)")
            default: break
            }
        }
        if error is CancellationError { return .timedOut }
        if let e = error as? NIOSSLError { return .tls(plainTLS(e)) }
        if let e = error as? BoringSSLError { return .tls(plainTLS(e)) }
        if let e = error as? IOError {
            switch e.errnoCode {
            case ECONNREFUSED: return .refused
            case ECONNRESET, EPIPE: return .connectionLost
            case ETIMEDOUT: return .timedOut
            default: return .other("\(e)")
            }
        }
        if let e = error as? NIOConnectionError {
            if e.dnsAError != nil || e.dnsAAAAError != nil, e.connectionErrors.isEmpty { return .unknownHost }
            if e.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) { return .refused }
            return .other("\(e)")
        }
        if let e = error as? ChannelError {
            switch e {
            case .connectTimeout: return .timedOut
            case .ioOnClosedChannel, .eof, .outputClosed, .inputClosed, .alreadyClosed: return .connectionLost
            default: break
            }
        }
        let text = String(describing: error)
        if text.contains("NXDOMAIN") || text.contains("dns") || text.contains("Name or service not known") { return .unknownHost }
        if text.contains("Connection refused") { return .refused }
        return .other(text)
    }
}

extension ServiceHTTP {
    /// The relay pool's errors (`HTTPEndpoint`) in the same vocabulary.
    static func classify(_ error: NetError) -> TransportError {
        switch error {
        case .timeout: .timedOut
        case .closed: .connectionLost
        case .tls(_, let why): .tls(why)
        case .connect(_, let why): why.contains("Connection refused") ? .refused : .other(NetError.plain(why))
        case .bind(_, let why), .badResponse(_, let why): .other(why)
        }
    }

    /// BoringSSL's errors carry source paths and codes; a certificate that does not verify is
    /// the common case, and its fix is a CA file.
    static func plainTLS(_ error: any Error) -> String {
        let text = String(describing: error)
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "the server's certificate is not trusted (CERTIFICATE_VERIFY_FAILED); give its CA with ca_file"
        }
        return text
    }

    /// `host:port` of a URL, for messages.
    public static func hostName(_ url: URL?) -> String {
        url.map { "\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")" } ?? "the server"
    }
}

extension ServiceHTTP.TransportError {
    /// The failure a request had, in the one vocabulary `RetryPolicy` and the gates use: a
    /// timeout or a lost connection is worth another attempt, an unreachable server is
    /// unreachable, a bad URL is the caller's mistake.
    public func requestFailure(host: String, timeout: Double) -> RequestFailure {
        let message = message(host: host, timeout: timeout)
        switch self {
        case .timedOut: return RequestFailure(.timeout, message: message)
        case .connectionLost: return RequestFailure(.server, message: message)
        case .bodyTooLarge: return RequestFailure(.malformed, message: message)
        case .invalidURL: return RequestFailure(.badRequest, message: message)
        case .refused, .unknownHost, .tls, .other: return RequestFailure(.unreachable, message: message)
        }
    }

    /// "cannot reach HOST: …" or the like, worded the same whichever service was asked.
    public func message(host: String, timeout: Double) -> String {
        switch self {
        case .timedOut: "no answer within \(String(format: "%g", timeout)) s"
        case .refused: "cannot reach \(host): connection refused (nothing is listening)"
        case .unknownHost: "cannot reach \(host): unknown host"
        case .tls(let why): "cannot reach \(host): TLS failed (\(why))"
        case .connectionLost: "\(host) closed the connection before answering"
        case .invalidURL(let url): "not an http(s) URL: \(url)"
        case .bodyTooLarge(let n): "\(host) answered with more than \(n) bytes"
        case .other(let why): "cannot reach \(host): \(why)"
        }
    }
}
