import Foundation
import RampartNet

/// The credentials endpoint ECS and EKS Pod Identity give a container:
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on 169.254.170.2) or
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN` or
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` as the `Authorization` header. A plain-http full URI
/// must be loopback or the container hosts AWS uses: a token sent to any other host would leak.
public struct ContainerCredentials: CredentialSource {
    public var environment: [String: String]
    public var transport: AWSTransport
    public var timeout: Double

    public init(environment: [String: String], transport: AWSTransport, timeout: Double = 2) {
        self.environment = environment
        self.transport = transport
        self.timeout = timeout
    }

    public var name: String { "container credentials endpoint" }

    static let containerHosts: Set<String> = ["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "fd00:ec2::23"]

    public func fetch() async throws(CredentialError) -> AWSCredentials? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let url: String
        if let relative = value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
            url = "http://169.254.170.2" + (relative.hasPrefix("/") ? relative : "/" + relative)
        } else if let full = value("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
            guard let parsed = URL(string: full), let scheme = parsed.scheme?.lowercased(), let host = parsed.host else {
                throw CredentialError("AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL")
            }
            let loopback = host == "localhost" || host.hasPrefix("127.") || host == "::1" || host == "[::1]"
            guard scheme == "https" || (scheme == "http" && (loopback || Self.containerHosts.contains(host))) else {
                throw CredentialError("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, loopback or a container credentials host, got \(host)")
            }
            url = full
        } else {
            return nil
        }
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let file = value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
            guard let token = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw CredentialError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE \(file)")
            }
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN") {
            headers.append(("Authorization", token))
        }
        let response: ServiceHTTP.Response
        do {
            response = try await transport.send("GET", url, headers, [], timeout)
        } catch {
            throw CredentialError(error.message(host: ServiceHTTP.hostName(URL(string: url)), timeout: timeout))
        }
        guard response.status == 200 else {
            throw CredentialError("the container credentials endpoint answered HTTP \(response.status)", refused: true)
        }
        return try CredentialJSON.parse(response.body, from: "the container credentials endpoint")
    }
}
