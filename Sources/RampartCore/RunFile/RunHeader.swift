/// The first line of a run file: what went out, from where, by whom, when.
public struct RunHeader: Sendable, Equatable, Codable {
    public static let currentFormat = 1

    public var format: Int
    public var pipeline: String
    public var specFile: String
    public var specSHA256: String
    public var baseline: VariantRecord
    public var candidate: VariantRecord
    public var git: GitInfo?
    public var `operator`: String
    public var host: String
    /// ISO 8601, UTC.
    public var startedAt: String
    public var seed: UInt64
    public var rampartVersion: String

    public init(
        format: Int = RunHeader.currentFormat, pipeline: String, specFile: String, specSHA256: String, baseline: VariantRecord,
        candidate: VariantRecord, git: GitInfo?, operator: String, host: String, startedAt: String, seed: UInt64,
        rampartVersion: String
    ) {
        self.format = format
        self.pipeline = pipeline
        self.specFile = specFile
        self.specSHA256 = specSHA256
        self.baseline = baseline
        self.candidate = candidate
        self.git = git
        self.operator = `operator`
        self.host = host
        self.startedAt = startedAt
        self.seed = seed
        self.rampartVersion = rampartVersion
    }

    enum CodingKeys: String, CodingKey {
        case format, pipeline, baseline, candidate, git, host, seed
        case `operator`
        case specFile = "spec_file"
        case specSHA256 = "spec_sha256"
        case startedAt = "started_at"
        case rampartVersion = "rampart_version"
    }
}

/// A deployed version as the audit trail needs it: the pinned model and fingerprints of its files.
public struct VariantRecord: Sendable, Equatable, Codable {
    public var provider: String
    public var model: String
    public var version: String
    public var promptTemplateSHA256: String?
    public var guardrailsSHA256: String?

    public init(provider: String, model: String, version: String, promptTemplateSHA256: String?, guardrailsSHA256: String?) {
        self.provider = provider
        self.model = model
        self.version = version
        self.promptTemplateSHA256 = promptTemplateSHA256
        self.guardrailsSHA256 = guardrailsSHA256
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, version
        case promptTemplateSHA256 = "prompt_template_sha256"
        case guardrailsSHA256 = "guardrails_sha256"
    }
}

public struct GitInfo: Sendable, Equatable, Codable {
    public var commit: String
    public var dirty: Bool

    public init(commit: String, dirty: Bool) {
        self.commit = commit
        self.dirty = dirty
    }
}

/// The last line of a complete run file.
public struct RunOutcomeRecord: Sendable, Equatable, Codable {
    public var t: Double
    public var outcome: RunOutcome
    public var exitCode: Int32
    public var reason: String
    public var finishedAt: String

    public init(t: Double, outcome: RunOutcome, reason: String, finishedAt: String) {
        self.t = t
        self.outcome = outcome
        self.exitCode = outcome.exitCode
        self.reason = reason
        self.finishedAt = finishedAt
    }

    enum CodingKeys: String, CodingKey {
        case t, outcome, reason
        case exitCode = "exit_code"
        case finishedAt = "finished_at"
    }
}
