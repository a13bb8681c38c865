import RampartCore

/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and, for temporary keys, `AWS_SESSION_TOKEN`
/// (or the older `AWS_SECURITY_TOKEN`) with `AWS_CREDENTIAL_EXPIRATION`.
public struct EnvironmentCredentials: CredentialSource {
    public var environment: [String: String]
    public var name: String { "environment (AWS_ACCESS_KEY_ID)" }

    public init(environment: [String: String]) { self.environment = environment }

    public func fetch() async throws(CredentialError) -> AWSCredentials? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let key = value("AWS_ACCESS_KEY_ID")
        let secret = value("AWS_SECRET_ACCESS_KEY")
        switch (key, secret) {
        case (nil, nil): return nil
        case (.some, nil): throw CredentialError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
        case (nil, .some): throw CredentialError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
        case (.some(let key), .some(let secret)):
            let expiry = value("AWS_CREDENTIAL_EXPIRATION").flatMap(TimestampText.parseISO8601)
            return AWSCredentials(
                accessKeyID: key, secretAccessKey: secret, sessionToken: value("AWS_SESSION_TOKEN") ?? value("AWS_SECURITY_TOKEN"),
                expiration: expiry)
        }
    }
}
