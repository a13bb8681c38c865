/// Where a stage of the pipeline is. `paused` is a canary held by its operator.
public enum StageState: String, Sendable, Codable, Equatable {
    case pending, running, paused, passed, failed, skipped
}

/// How a run ended. Each outcome has a documented process exit code.
public enum RunOutcome: String, Sendable, Codable, Equatable, CaseIterable {
    case promoted
    case blocked
    case rolledBack = "rolled_back"
    case inconclusive
    case aborted

    public var exitCode: Int32 {
        switch self {
        case .promoted: 0
        case .blocked: 1
        case .rolledBack: 2
        case .inconclusive, .aborted: 3
        }
    }

    public var trigger: NotificationTrigger {
        switch self {
        case .promoted: .promoted
        case .blocked: .blocked
        case .rolledBack: .rolledBack
        case .inconclusive: .inconclusive
        case .aborted: .aborted
        }
    }
}

/// Names of the pipeline's stages, as events and the dashboard refer to them.
public enum StageName {
    public static let build = "build"
    public static let canary = "canary"
    public static let promote = "promote"
    public static func gate(_ name: String) -> String { "gate:\(name)" }

    public static func all(for spec: PipelineSpec) -> [String] {
        [build] + spec.gates.map { gate($0.name) } + [canary, promote]
    }
}
