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
        let python = ProcessInfo.processInfo.environment["RAMPART_MOTO_PYTHON"] ?? (TestPaths.repository + "/.build/moto-venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw MotoServer.MotoError(message: "the test virtualenv's Python (with botocore) was not found at \(python); `make test` installs it")
        }
        let dir = TestPaths.temporaryDirectory()
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let script = TestPaths.repository + "/Tests/RampartEngineTests/Fixtures/converse_standin.py"
        let log = dir + "/standin.log"
        guard let pid = Daemons.spawn([python, script, dir + "/config.json"], log: log) else {
            throw MotoServer.MotoError(message: "cannot start the Converse stand-in")
        }
        // The deadline only bounds a failure (botocore imports slowly on a slow machine).
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), let line = text.split(separator: "\n").first, let port = Int(line) {
                if let r = await Daemons.get(port, "/stats"), r.status == 200 { return ConverseStandIn(port: port, pid: pid) }
            }
            if kill(pid, 0) != 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(pid, SIGKILL)
        let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(800)) } ?? ""
        throw MotoServer.MotoError(message: "the Converse stand-in did not start:\n\(tail)")
    }

    /// Requests seen, throttled, refused (signature) and blocked (guardrail).
    public func stats() async -> [String: Int] {
        guard let r = await Daemons.get(port, "/stats"), let json = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Int]
        else { return [:] }
        return json
    }

    public func stop() {
        kill(pid, SIGKILL)
        _ = Daemons.wait(pid)
    }
}
