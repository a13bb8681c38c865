import Foundation

/// A profile of the shared config and credentials files, resolved as the AWS CLI resolves it:
/// a `role_arn` is assumed through STS from its `source_profile` (recursively),
/// `credential_source` or `web_identity_token_file`; otherwise the profile's static keys, or
/// its `credential_process`.
public struct ProfileCredentials: CredentialSource {
    public var setup: AWSSetup
    public var profile: String
    public var transport: AWSTransport
    public var run: ProcessCredentials.Runner?

    public init(setup: AWSSetup, profile: String? = nil, transport: AWSTransport, run: ProcessCredentials.Runner?) {
        self.setup = setup
        self.profile = profile ?? setup.profile
        self.transport = transport
        self.run = run
    }

    public var name: String { "profile \(profile) (~/.aws/config, ~/.aws/credentials)" }

    public func fetch() async throws(CredentialError) -> AWSCredentials? {
        guard setup.files.profiles[profile] != nil else {
            if setup.profileNamed && profile == setup.profile {
                throw CredentialError("profile '\(profile)' (AWS_PROFILE) is in neither ~/.aws/config nor ~/.aws/credentials")
            }
            return nil
        }
        return try await resolve(profile, visited: [])
    }

    private func resolve(_ name: String, visited: [String]) async throws(CredentialError) -> AWSCredentials? {
        guard setup.files.profiles[name] != nil else {
            throw CredentialError("profile '\(name)' (source_profile of '\(visited.last ?? profile)') is not in the config files")
        }
        func value(_ key: String) -> String? { setup.setting(key, profile: name) }
        if let role = value("role_arn") {
            guard !visited.contains(name) else {
                throw CredentialError("profiles \((visited + [name]).joined(separator: " → ")) assume roles in a loop")
            }
            if value("mfa_serial") != nil {
                throw CredentialError("profile '\(name)' needs an MFA code (mfa_serial), which a pipeline cannot type")
            }
            return try await assume(role, profile: name, visited: visited + [name])
        }
        if let key = try staticKeys(name) { return key }
        if let command = value("credential_process") {
            guard let run else { throw CredentialError("profile '\(name)' uses credential_process, which this tool cannot run") }
            return try await ProcessCredentials(command: command, profile: name, run: run).fetch()
        }
        if value("sso_session") != nil || value("sso_start_url") != nil {
            throw CredentialError(
                "profile '\(name)' uses IAM Identity Center (SSO), which Rampart does not read; set credential_process = aws configure export-credentials --profile \(name) --format process"
            )
        }
        return nil
    }

    private func staticKeys(_ name: String) throws(CredentialError) -> AWSCredentials? {
        let key = setup.setting("aws_access_key_id", profile: name)
        let secret = setup.setting("aws_secret_access_key", profile: name)
        switch (key, secret) {
        case (nil, nil): return nil
        case (.some(let key), .some(let secret)):
            return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: setup.setting("aws_session_token", profile: name))
        default: throw CredentialError("profile '\(name)' has only one of aws_access_key_id and aws_secret_access_key")
        }
    }

    private func assume(_ role: String, profile name: String, visited: [String]) async throws(CredentialError) -> AWSCredentials? {
        func value(_ key: String) -> String? { setup.setting(key, profile: name) }
        let region = setup.region() ?? "us-east-1"
        let sts = AWSClient(
            service: .sts, region: region, endpoint: setup.endpoint(.sts, region: region), credentials: nil, transport: transport, timeout: 10)
        let session = value("role_session_name") ?? AssumeRoleCredentials.defaultSessionName(transport.now())
        let duration = value("duration_seconds").flatMap(Int.init)
        let identity: AssumeRoleCredentials.Identity
        if let file = value("web_identity_token_file") {
            identity = .webIdentity(tokenFile: file)
        } else if let source = value("source_profile") {
            let keys: AWSCredentials?
            if source == name {
                keys = try staticKeys(name)
            } else {
                keys = try await resolve(source, visited: visited)
            }
            guard let keys else { throw CredentialError("source_profile '\(source)' of profile '\(name)' has no credentials") }
            identity = .source(AWSCredentialProvider(credentials: keys, now: transport.now), externalID: value("external_id"))
        } else if let source = value("credential_source") {
            let from: any CredentialSource
            switch source {
            case "Environment": from = EnvironmentCredentials(environment: setup.environment)
            case "EcsContainer": from = ContainerCredentials(environment: setup.environment, transport: transport)
            case "Ec2InstanceMetadata": from = InstanceMetadataCredentials(environment: setup.environment, transport: transport)
            default:
                throw CredentialError(
                    "credential_source '\(source)' of profile '\(name)' is not one of Environment, EcsContainer, Ec2InstanceMetadata")
            }
            guard let keys = try await from.fetch() else {
                throw CredentialError("credential_source \(source) of profile '\(name)' has no credentials")
            }
            identity = .source(AWSCredentialProvider(credentials: keys, now: transport.now), externalID: value("external_id"))
        } else {
            throw CredentialError("profile '\(name)' sets role_arn without source_profile, credential_source or web_identity_token_file")
        }
        return try await AssumeRoleCredentials(
            roleARN: role, sessionName: session, identity: identity, sts: sts, duration: duration, label: "profile \(name)"
        ).fetch()
    }
}
