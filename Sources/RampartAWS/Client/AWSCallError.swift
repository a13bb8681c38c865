import RampartCore

/// Why a call to AWS failed: the service said no, the request never got an answer, or there
/// were no credentials to sign it with. Each maps to the one `RequestFailure` vocabulary.
public enum AWSCallError: Error, Sendable, Equatable, CustomStringConvertible {
    case service(AWSError)
    case transport(RequestFailure)
    case credentials(CredentialError)

    public var requestFailure: RequestFailure {
        switch self {
        case .service(let e): e.requestFailure
        case .transport(let f): f
        case .credentials(let c): RequestFailure(c.refused ? .unauthorized : .missingKey, message: "AWS credentials: \(c.message)")
        }
    }

    /// The AWS error code, when the service answered with one.
    public var code: String? {
        if case .service(let e) = self { return e.code }
        return nil
    }

    public var description: String {
        switch self {
        case .service(let e): e.description
        case .transport(let f): f.description
        case .credentials(let c): "AWS credentials: \(c.message)"
        }
    }
}
