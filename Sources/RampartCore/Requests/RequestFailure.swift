import Foundation

/// Why a request to a model produced no usable answer. A failure is never a score: gates count
/// it as an error for its item, the canary as an error for its arm. The kind decides whether a
/// retry can help and whether the endpoint itself refuses service (exit 69).
public struct RequestFailure: Error, Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// No connection: refused, unknown host, TLS handshake failed.
        case unreachable
        /// No answer within the timeout.
        case timeout
        /// 401 or 403: the key is wrong, missing or not allowed.
        case unauthorized
        /// 404: usually an unknown model or a base URL without `/v1`.
        case notFound = "not_found"
        /// Any other 4xx but 408, 409 and 429: the request itself is wrong.
        case badRequest = "bad_request"
        /// 429: slow down.
        case rateLimited = "rate_limited"
        /// 5xx, or 408/409: the server had trouble.
        case server
        /// A 2xx whose body is not what an OpenAI-compatible server sends.
        case malformed
        /// The API key variable the spec names is not set.
        case missingKey = "missing_key"
        /// Never sent: the endpoint had already refused the first requests the same way.
        case notSent = "not_sent"
        /// Answered, but beyond a local scorer's bounds (an edit distance too large to compute).
        case unscorable

        /// Whether another attempt could succeed: 408, 409, 429, 5xx, timeouts and lost connections.
        public var retryable: Bool {
            switch self {
            case .rateLimited, .server, .timeout, .unreachable: true
            case .unauthorized, .notFound, .badRequest, .malformed, .missingKey, .notSent, .unscorable: false
            }
        }

        /// The endpoint cannot be used at all from here: nothing listens, or it refuses our
        /// credentials. `rampart eval` exits 69 for these.
        public var refusesService: Bool { self == .unreachable || self == .unauthorized || self == .missingKey }
    }

    public var kind: Kind
    public var status: Int?
    /// What the server or the transport said, short and free of secrets.
    public var message: String
    /// Seconds the server asked us to wait (`Retry-After`), if it did.
    public var retryAfter: Double?

    public init(_ kind: Kind, status: Int? = nil, message: String, retryAfter: Double? = nil) {
        self.kind = kind
        self.status = status
        self.message = String(message.prefix(400))
        self.retryAfter = retryAfter
    }

    /// Classifies an HTTP error status the way the retry policy and the exit codes need it.
    public static func http(status: Int, message: String, retryAfter: Double? = nil) -> RequestFailure {
        let kind: Kind
        switch status {
        case 401, 403: kind = .unauthorized
        case 404: kind = .notFound
        case 429: kind = .rateLimited
        case 408, 409, 500...599: kind = .server
        case 200..<300: kind = .malformed
        default: kind = .badRequest
        }
        return RequestFailure(kind, status: status, message: message, retryAfter: retryAfter)
    }

    public var retryable: Bool { kind.retryable }
    public var refusesService: Bool { kind.refusesService }

    /// Failures that look alike for the early stop: same kind and status, whatever the details
    /// (request ids and timestamps differ between otherwise identical errors).
    public var signature: String { "\(kind.rawValue)|\(status.map(String.init) ?? "-")" }

    public var description: String {
        if let status { return "HTTP \(status): \(message)" }
        return message
    }
}
