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

/// A publisher kind in a file of its own, like `RouterKind`.
public protocol PublisherKind: PublisherSettings {
    func publisher(_ context: KindContext) -> any MetricPublisher
}

/// What a kind may use to build its part: the whole spec, the run's environment (credentials,
/// endpoints) and the run's AWS runtime, shared with its other AWS parts. A part reads nothing
/// else: no process environment, no wall clock.
public struct KindContext: Sendable {
    public var pipeline: PipelineSpec
    public var environment: [String: String]
    public var redactor: Redactor
    private let sharedAWS: SharedAWS

    /// `aws` is the run's; without it (a part built on its own) the part gets one of its own.
    public init(pipeline: PipelineSpec, environment: [String: String], redactor: Redactor, aws: SharedAWS? = nil) {
        self.pipeline = pipeline
        self.environment = environment
        self.redactor = redactor
        sharedAWS = aws ?? SharedAWS(environment: environment)
    }

    /// The run's AWS configuration and credentials, made on first use.
    public var aws: AWSRuntime { sharedAWS.runtime }
}
