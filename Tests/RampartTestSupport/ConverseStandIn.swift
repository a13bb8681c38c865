import Foundation
import RampartNet

/// The loopback Converse stand-in (`Tests/RampartEngineTests/Fixtures/converse_standin.py`),
/// run with the test virtualenv's Python so botocore checks every request's signature. moto
/// has no Converse; this has the request, response and error shapes of botocore's definition.
public final class ConverseStandIn: Sendable {
    public let port: Int
    public let pid: pid_t
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, pid: pid_t) {
        self.port = port
        self.pid = pid
    }

    public struct Config: Encodable {
        public var region: String
        public var credentials: [String: String]
        /// Model id → (system + "\u{0}" + user) → answer.
        public var answers: [String: [String: String]]
        public var throttleEvery: Int
        public var guardrailTerms: [String]
        /// These answer every Converse call with a judge's `{"score": 0.8, …}`.
        public var judgeModels: [String]
        /// These embed through InvokeModel (letter counts: 26 numbers).
        public var embeddingModels: [String]

        public init(
            region: String, credentials: [String: String], answers: [String: [String: String]], throttleEvery: Int = 0,
            guardrailTerms: [String] = [], judgeModels: [String] = [], embeddingModels: [String] = []
        ) {
            self.region = region
            self.credentials = credentials
            self.answers = answers
            self.throttleEvery = throttleEvery
            self.guardrailTerms = guardrailTerms
            self.judgeModels = judgeModels
            self.embeddingModels = embeddingModels
        }

        enum CodingKeys: String, CodingKey {
            case region, credentials, answers
            case throttleEvery = "throttle_every"
            case guardrailTerms = "guardrail_terms"
            case judgeModels = "judge_models"
            case embeddingModels = "embedding_models"
        }
    }

    public static func start(_ config: Config) async throws -> ConverseStandIn {
        let (port, pid) = try await PythonStandIn.launch(script: "converse_standin.py", config: config, what: "the Converse stand-in")
        return ConverseStandIn(port: port, pid: pid)
    }

    /// Requests seen, throttled, refused (signature) and blocked (guardrail).
    public func stats() async -> [String: Int] {
        await PythonStandIn.stats(port: port)
    }

    public func stop() {
        PythonStandIn.stop(pid)
    }
}
