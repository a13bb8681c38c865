/// What an operator can ask of a running pipeline. All of them enter the engine through one door
/// and are recorded with who asked and why.
public struct OperatorCommand: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Advance the canary to its next step now.
        case promote
        /// Send all traffic to the candidate and finish as promoted.
        case promoteFully = "promote_fully"
        /// Send all traffic back to the baseline and finish as rolled back.
        case rollback
        /// Hold the canary at its current weight; bake time stops counting.
        case pause
        case resume
        /// Stop the run (Ctrl-C): traffic goes back to the baseline, outcome aborted.
        case abort
    }

    public var kind: Kind
    public var `operator`: String
    public var reason: String?

    public init(_ kind: Kind, operator: String, reason: String? = nil) {
        self.kind = kind
        self.operator = `operator`
        self.reason = reason
    }
}

/// An operator command scheduled at a time offset, for scripted runs and reproducible recordings.
public struct ScheduledCommand: Sendable, Codable, Equatable {
    public var at: Double
    public var command: OperatorCommand

    public init(at: Double, command: OperatorCommand) {
        self.at = at
        self.command = command
    }
}
