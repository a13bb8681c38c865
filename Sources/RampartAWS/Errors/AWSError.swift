import Foundation
import RampartCore

/// An error an AWS service answered with, whichever of its four shapes it used, reduced to what
/// a user and the retry policy need: the code (`ThrottlingException`), the message, the request
/// id to quote to AWS support, and the HTTP status.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: String
    public var message: String
    public var requestID: String?
    public var status: Int

    public init(code: String, message: String, requestID: String? = nil, status: Int) {
        self.code = code
        self.message = message
        self.requestID = requestID
        self.status = status
    }

    public var description: String {
        "\(code)\(message.isEmpty ? "" : ": \(message)") (HTTP \(status)\(requestID.map { ", request id \($0)" } ?? ""))"
    }

    /// Decodes an error response. The code is looked for where botocore's parsers look: the
    /// `x-amzn-query-error` header (JSON services compatible with the query protocol), the
    /// `x-amzn-ErrorType` header (rest-json), the JSON body's `code` or `__type`, then XML
    /// `<Code>` (query). A body in none of these shapes still gives an error, named by status
    /// (botocore names it by the bare number). Checked against botocore on
    /// `Tests/RampartAWSTests/Fixtures/errors.json`.
    public static func decode(status: Int, headers: [(String, String)], body: [UInt8]) -> AWSError {
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name }?.1 }
        var code: String?
        var message: String?
        var requestID = header("x-amzn-requestid") ?? header("x-amz-request-id")
        if let json = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            // rest-json names the code in `code`, JSON 1.0/1.1 in `__type`; the header beats both.
            code = (json["code"] as? String) ?? (json["Code"] as? String) ?? (json["__type"] as? String)
            message = (json["message"] as? String) ?? (json["Message"] as? String) ?? (json["errorMessage"] as? String)
        } else if body.first(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) == UInt8(ascii: "<") {
            let xml = XMLText(body)
            code = xml.first("Code")
            message = xml.first("Message")
            requestID = requestID ?? xml.first("RequestId") ?? xml.first("RequestID")
        }
        if let typed = header("x-amzn-errortype"), !typed.isEmpty { code = typed }
        if let query = header("x-amzn-query-error"), let first = query.split(separator: ";").first, !first.isEmpty { code = String(first) }
        let name = code.map(shortCode).flatMap { $0.isEmpty ? nil : $0 } ?? fallbackCode(status)
        return AWSError(code: name, message: String((message ?? "").prefix(400)), requestID: requestID, status: status)
    }

    /// `com.amazonaws.sns#NotFound` and `ThrottlingException:http://internal.amazon.com/...`
    /// both name their code before the decoration.
    static func shortCode(_ raw: String) -> String {
        let afterHash = raw.split(separator: "#", omittingEmptySubsequences: false).last.map(String.init) ?? raw
        return afterHash.split(separator: ":", omittingEmptySubsequences: false).first.map(String.init) ?? afterHash
    }

    static func fallbackCode(_ status: Int) -> String {
        switch status {
        case 400: "BadRequest"
        case 403: "Forbidden"
        case 404: "NotFound"
        case 413: "RequestEntityTooLarge"
        case 429: "TooManyRequests"
        case 500...599: "ServerError\(status)"
        default: "HTTP\(status)"
        }
    }

    /// AWS SDKs' standard retry mode, throttling part: retried with backoff.
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException", "TooManyRequestsException",
        "ProvisionedThroughputExceededException", "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
    ]
    /// Transient errors: retried. `ModelNotReadyException` is Bedrock's "loading, try again".
    public static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError", "InternalFailure",
        "InternalServerError", "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException", "ModelNotReadyException",
        "IDPCommunicationError",
    ]
    /// The credentials are wrong, expired or not allowed.
    public static let credentialCodes: Set<String> = [
        "AccessDenied", "AccessDeniedException", "UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch",
        "ExpiredToken", "ExpiredTokenException", "InvalidSignatureException", "IncompleteSignature", "MissingAuthenticationToken",
        "AuthFailure", "InvalidAccessKeyId", "RequestExpired", "NotAuthorized", "AuthorizationError",
    ]
    /// Temporary credentials that expired between fetching and use: refreshed once and retried.
    public static let expiredCodes: Set<String> = ["ExpiredToken", "ExpiredTokenException", "RequestExpired"]

    public var isThrottling: Bool { Self.throttlingCodes.contains(code) || status == 429 }
    public var isTransient: Bool { Self.transientCodes.contains(code) || [500, 502, 503, 504].contains(status) }
    public var isExpiredCredentials: Bool { Self.expiredCodes.contains(code) }

    /// The failure in the vocabulary the retry policy, the gates and the exit codes share.
    public var requestFailure: RequestFailure {
        let kind: RequestFailure.Kind
        if isThrottling {
            kind = .rateLimited
        } else if isTransient {
            kind = .server
        } else if Self.credentialCodes.contains(code) || status == 401 || status == 403 {
            kind = .unauthorized
        } else if code.hasSuffix("NotFoundException") || code == "NotFound" || code.hasPrefix("NoSuch") || status == 404 {
            kind = .notFound
        } else {
            kind = .badRequest
        }
        return RequestFailure(kind, status: status, message: description)
    }
}
