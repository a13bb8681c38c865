import Foundation
import RampartCore

/// One place credentials can come from. `fetch` answers nil when the place is not configured
/// (the chain tries the next one) and throws when it is configured but fails: half an access
/// key in the environment, or a role that cannot be assumed, is an error the user must see, not
/// a reason to fall through to some other identity.
public protocol CredentialSource: Sendable {
    /// For messages: `environment`, `profile dev (assume role …)`.
    var name: String { get }
    func fetch() async throws(CredentialError) -> AWSCredentials?
}

/// Why credentials could not be had. The message never holds a secret.
public struct CredentialError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    /// Set when AWS itself refused (STS, the container endpoint): the error has its code.
    public var refused: Bool

    public init(_ message: String, refused: Bool = false) {
        self.message = message
        self.refused = refused
    }

    public var description: String { message }
}

/// Credentials as JSON from the container endpoint, IMDS or `credential_process`:
/// `AccessKeyId`, `SecretAccessKey`, `Token`/`SessionToken`, `Expiration` (ISO 8601).
enum CredentialJSON {
    static func parse(_ bytes: [UInt8], from source: String) throws(CredentialError) -> AWSCredentials {
        guard let json = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw CredentialError("\(source) did not answer with a JSON object")
        }
        guard let key = json["AccessKeyId"] as? String, !key.isEmpty, let secret = json["SecretAccessKey"] as? String, !secret.isEmpty
        else { throw CredentialError("\(source) answered without AccessKeyId and SecretAccessKey") }
        let token = (json["Token"] as? String) ?? (json["SessionToken"] as? String)
        var expiration: Date?
        if let text = json["Expiration"] as? String {
            guard let date = TimestampText.parseISO8601(text) else {
                throw CredentialError("\(source) gave an unreadable Expiration '\(text.prefix(40))'")
            }
            expiration = date
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token?.isEmpty == true ? nil : token, expiration: expiration)
    }
}
