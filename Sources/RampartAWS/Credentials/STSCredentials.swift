import Foundation
import RampartCore

/// Temporary credentials from STS: `AssumeRoleWithWebIdentity` (GitHub Actions OIDC, EKS
/// service accounts), unsigned, with a token read afresh from its file on every fetch (they
/// rotate); and `AssumeRole`, signed with a source profile's credentials.
public struct AssumeRoleCredentials: CredentialSource {
    public enum Identity: Sendable {
        /// The token file; its contents go to STS and nowhere else.
        case webIdentity(tokenFile: String)
        /// The credentials that may assume the role.
        case source(AWSCredentialProvider, externalID: String?)
    }

    public var roleARN: String
    public var sessionName: String
    public var identity: Identity
    /// STS in the run's region (or the endpoint it is sent to).
    public var sts: AWSClient
    /// Seconds the credentials should last (STS allows 900 to the role's maximum).
    public var duration: Int?
    public var label: String

    public init(roleARN: String, sessionName: String, identity: Identity, sts: AWSClient, duration: Int? = nil, label: String) {
        self.roleARN = roleARN
        self.sessionName = sessionName
        self.identity = identity
        self.sts = sts
        self.duration = duration
        self.label = label
    }

    public var name: String { "\(label) (role \(roleARN))" }

    public func fetch() async throws(CredentialError) -> AWSCredentials? {
        var client = sts
        var parameters = [("RoleArn", roleARN), ("RoleSessionName", sessionName)]
        if let duration { parameters.append(("DurationSeconds", String(duration))) }
        let action: String
        switch identity {
        case .webIdentity(let file):
            guard let token = try? String(contentsOfFile: file, encoding: .utf8), !token.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            else { throw CredentialError("cannot read the web identity token file \(file)") }
            parameters.append(("WebIdentityToken", token.trimmingCharacters(in: .whitespacesAndNewlines)))
            client.credentials = nil
            action = "AssumeRoleWithWebIdentity"
        case .source(let provider, let externalID):
            if let externalID { parameters.append(("ExternalId", externalID)) }
            client.credentials = provider
            action = "AssumeRole"
        }
        let xml: XMLText
        do {
            xml = try await client.query(action, version: "2011-06-15", parameters)
        } catch {
            throw CredentialError("STS \(action) failed: \(error)", refused: error.requestFailure.kind == .unauthorized)
        }
        guard let key = xml.first("AccessKeyId"), let secret = xml.first("SecretAccessKey"), let token = xml.first("SessionToken") else {
            throw CredentialError("STS \(action) answered without credentials")
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: token, expiration: xml.first("Expiration").flatMap(TimestampText.parseISO8601))
    }

    /// `rampart-<unix seconds>`, as botocore names its sessions `botocore-session-<seconds>`.
    public static func defaultSessionName(_ now: Date) -> String { "rampart-\(Int(now.timeIntervalSince1970))" }
}
