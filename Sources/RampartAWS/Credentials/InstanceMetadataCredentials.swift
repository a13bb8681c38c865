import Foundation
import RampartNet

/// The instance role of an EC2 machine, through IMDSv2: a session token from
/// `PUT /latest/api/token`, then the role name and its credentials. Not on EC2 (nothing answers
/// in time) means no credentials here, not an error. `AWS_EC2_METADATA_DISABLED=true` skips it;
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT` points it elsewhere (a stand-in in tests).
public struct InstanceMetadataCredentials: CredentialSource {
    public var environment: [String: String]
    public var transport: AWSTransport
    public var timeout: Double

    public init(environment: [String: String], transport: AWSTransport, timeout: Double = 1) {
        self.environment = environment
        self.transport = transport
        self.timeout = timeout
    }

    public var name: String { "EC2 instance metadata (IMDSv2)" }

    public func fetch() async throws(CredentialError) -> AWSCredentials? {
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true" { return nil }
        var base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"].flatMap { $0.isEmpty ? nil : $0 } ?? "http://169.254.169.254"
        if base.hasSuffix("/") { base.removeLast() }
        let tokenResponse: ServiceHTTP.Response
        do {
            tokenResponse = try await transport.send(
                "PUT", base + "/latest/api/token", [("X-aws-ec2-metadata-token-ttl-seconds", "21600")], [], timeout)
        } catch {
            return nil  // no metadata service: not an EC2 machine
        }
        guard tokenResponse.status == 200 else {
            throw CredentialError("instance metadata refused a session token (HTTP \(tokenResponse.status)); IMDSv1 is not used")
        }
        let token = String(decoding: tokenResponse.body, as: UTF8.self)
        let path = base + "/latest/meta-data/iam/security-credentials/"
        let role = try await get(path, token: token).split(separator: "\n").first.map(String.init)
        guard let role, !role.isEmpty else { throw CredentialError("this instance has no IAM role") }
        let body = try await get(path + role, token: token)
        return try CredentialJSON.parse(Array(body.utf8), from: "instance metadata")
    }

    private func get(_ url: String, token: String) async throws(CredentialError) -> String {
        let response: ServiceHTTP.Response
        do {
            response = try await transport.send("GET", url, [("X-aws-ec2-metadata-token", token)], [], timeout)
        } catch {
            throw CredentialError("instance metadata: \(error.message(host: ServiceHTTP.hostName(URL(string: url)), timeout: timeout))")
        }
        guard response.status == 200 else {
            throw CredentialError("instance metadata answered HTTP \(response.status) for \(URL(string: url)?.path ?? url)")
        }
        return String(decoding: response.body, as: UTF8.self)
    }
}
