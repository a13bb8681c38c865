/// The order the AWS SDKs look for credentials in, so a machine set up for the AWS CLI works
/// as it is: the environment's keys, web identity (`AWS_ROLE_ARN` and
/// `AWS_WEB_IDENTITY_TOKEN_FILE`), the profile in the shared files, the container endpoint, and
/// the EC2 instance role.
extension AWSCredentialProvider {
    public static func standard(setup: AWSSetup, transport: AWSTransport = .live, run: ProcessCredentials.Runner? = nil)
        -> AWSCredentialProvider
    {
        let env = setup.environment
        var sources: [any CredentialSource] = [EnvironmentCredentials(environment: env)]
        if let role = env["AWS_ROLE_ARN"], !role.isEmpty, let file = env["AWS_WEB_IDENTITY_TOKEN_FILE"], !file.isEmpty {
            let region = setup.region() ?? "us-east-1"
            let sts = AWSClient(
                service: .sts, region: region, endpoint: setup.endpoint(.sts, region: region), credentials: nil, transport: transport, timeout: 10)
            let session = env["AWS_ROLE_SESSION_NAME"].flatMap { $0.isEmpty ? nil : $0 } ?? AssumeRoleCredentials.defaultSessionName(transport.now())
            sources.append(
                AssumeRoleCredentials(roleARN: role, sessionName: session, identity: .webIdentity(tokenFile: file), sts: sts, label: "web identity"))
        }
        sources.append(ProfileCredentials(setup: setup, transport: transport, run: run))
        sources.append(ContainerCredentials(environment: env, transport: transport))
        sources.append(InstanceMetadataCredentials(environment: env, transport: transport))
        return AWSCredentialProvider(sources, now: transport.now)
    }
}
