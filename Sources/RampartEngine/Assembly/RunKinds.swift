import RampartCore

/// A router kind in a file of its own: its settings (read by the spec parser) and the router it
/// builds. Listing the type in `RunAssembly.kinds` is the only wiring it needs.
public protocol RouterKind: RouterSettings {
    func router(_ context: KindContext) -> any TrafficRouter
}

/// A metrics-source kind in a file of its own, like `RouterKind`.
public protocol MetricSourceKind: MetricSourceSettings {
    func source(_ context: KindContext) -> any MetricSource
}

/// What a kind may use to build its part: the whole spec and the run's environment (credentials,
/// endpoints). A part reads nothing else: no process environment, no wall clock.
public struct KindContext: Sendable {
    public var pipeline: PipelineSpec
    public var environment: [String: String]
    public var redactor: Redactor

    public init(pipeline: PipelineSpec, environment: [String: String], redactor: Redactor) {
        self.pipeline = pipeline
        self.environment = environment
        self.redactor = redactor
    }

    /// The canary the part serves (a kind is only ever read inside `canary:`).
    public var canary: CanarySpec? { pipeline.canary }
}
