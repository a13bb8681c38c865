import Foundation
import RampartAWS
import RampartCore

/// What every AWS part of one run shares: the config files and environment they were resolved
/// from, and one credential provider, so a role is assumed once per run and refreshed in one
/// place, whatever number of notifiers, models and routers use it.
public struct AWSRuntime: Sendable {
    public var setup: AWSSetup
    public var credentials: AWSCredentialProvider
    public var transport: AWSTransport

    public init(environment: [String: String], transport: AWSTransport = .live) {
        setup = AWSSetup.load(environment: environment)
        self.transport = transport
        credentials = AWSCredentialProvider.standard(setup: setup, transport: transport, run: Self.runner(environment: environment))
    }

    /// A client for `service` in `region`, at the spec's endpoint or the configured one.
    public func client(_ service: AWSService, region: String, endpoint: String? = nil, timeout: Double = 30) -> AWSClient {
        AWSClient(
            service: service, region: region, endpoint: setup.endpoint(service, region: region, fromSpec: endpoint), credentials: credentials,
            transport: transport, timeout: timeout)
    }

    /// `credential_process` through the one process runner. Its standard error is discarded: it
    /// is the helper's, and may hold what a log must not.
    static func runner(environment: [String: String]) -> ProcessCredentials.Runner {
        { command, timeout in
            let result = await ShellRunner.run(
                "exec 2>/dev/null; " + command, directory: FileManager.default.currentDirectoryPath, timeout: timeout, environment: environment,
                keepLines: 100_000)
            return (result.exitCode, Array(result.tail.joined(separator: "\n").utf8))
        }
    }
}

extension AWSRuntime {
    /// No region anywhere for a Bedrock model: the request would have no host to go to.
    static func noRegion(_ model: String) -> RequestFailure {
        RequestFailure(
            .missingKey,
            message: "no AWS region for Bedrock model \(model): set bedrock.region in the spec, AWS_REGION, or region in the AWS profile")
    }
}

extension PipelineSpec {
    /// Whether any part of the run talks to AWS (and so needs credentials and a region).
    public var usesAWS: Bool {
        baseline.provider == .bedrock || candidate.provider == .bedrock || judge?.bedrock != nil || bedrockEmbeddings != nil
            || notify.contains { if case .sns = $0.kind { true } else { false } }
    }
}

/// A provider that could not be built (no region for a Bedrock model): every request fails
/// with the reason, before anything is sent, and the gate ends as an error that refuses service.
struct UnavailableProvider: ModelProvider {
    var failure: RequestFailure
    var identity: String { "unavailable|\(failure.message)" }
    func complete(_ request: ModelRequest) async -> ModelResponse { .failed(failure) }
}

/// A judge or embeddings model that could not be built: every call fails with the reason.
struct UnavailableModel: ChatModel, EmbeddingModel {
    var failure: RequestFailure
    var identity: String { "unavailable" }
    func reply(system: String, user: String) async throws(RequestFailure) -> String { throw failure }
    func embed(_ text: String) async throws(RequestFailure) -> [Double] { throw failure }
}
