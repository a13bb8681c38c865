/// One AWS service as Rampart addresses it: the name it signs with, the host prefix of its
/// endpoints, and the identifier that names its endpoint override (`AWS_ENDPOINT_URL_SNS`,
/// `sns =` under `[services …]`), all from botocore's service definitions.
public struct AWSService: Sendable, Equatable {
    /// botocore's `serviceId` (`Bedrock Runtime`).
    public var id: String
    /// `signingName` in the service definition (`bedrock`, `monitoring`).
    public var signingName: String
    /// `endpointPrefix` (`bedrock-runtime`, `monitoring`).
    public var endpointPrefix: String

    public init(id: String, signingName: String, endpointPrefix: String) {
        self.id = id
        self.signingName = signingName
        self.endpointPrefix = endpointPrefix
    }

    /// `AWS_ENDPOINT_URL_` + the id upper-cased with spaces as underscores.
    public var environmentSuffix: String { id.uppercased().replacingSpaces(with: "_") }
    /// The key under a `[services …]` section: the id lower-cased with spaces as underscores.
    public var configKey: String { id.lowercased().replacingSpaces(with: "_") }

    public static let sts = AWSService(id: "STS", signingName: "sts", endpointPrefix: "sts")
    public static let sns = AWSService(id: "SNS", signingName: "sns", endpointPrefix: "sns")
    public static let sqs = AWSService(id: "SQS", signingName: "sqs", endpointPrefix: "sqs")
    public static let iam = AWSService(id: "IAM", signingName: "iam", endpointPrefix: "iam")
    public static let bedrockRuntime = AWSService(id: "Bedrock Runtime", signingName: "bedrock", endpointPrefix: "bedrock-runtime")
    public static let cloudWatch = AWSService(id: "CloudWatch", signingName: "monitoring", endpointPrefix: "monitoring")
    public static let lambda = AWSService(id: "Lambda", signingName: "lambda", endpointPrefix: "lambda")
    public static let appConfig = AWSService(id: "AppConfig", signingName: "appconfig", endpointPrefix: "appconfig")
}

extension String {
    fileprivate func replacingSpaces(with s: String) -> String { split(separator: " ").joined(separator: s) }
}
