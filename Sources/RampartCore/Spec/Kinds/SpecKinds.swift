/// Router and metrics-source kinds that are defined outside the spec parser, each in a file of
/// its own: the parser reads their settings through `SettingsReader`, and the engine's
/// `RunAssembly` lists them once and builds their parts. A new kind never touches the parser,
/// the engine's canary loop or the CLI.
public struct SpecKinds: Sendable {
    public var routers: [any RouterSettings.Type]
    public var metricSources: [any MetricSourceSettings.Type]
    /// Where `canary.publish` may send Rampart's own measurements.
    public var publishers: [any PublisherSettings.Type]

    public init(
        routers: [any RouterSettings.Type] = [], metricSources: [any MetricSourceSettings.Type] = [],
        publishers: [any PublisherSettings.Type] = []
    ) {
        self.routers = routers
        self.metricSources = metricSources
        self.publishers = publishers
    }

    /// Only the kinds the parser knows itself (spec tests, tools that never run a canary).
    public static let builtIn = SpecKinds()

    func router(named name: String) -> (any RouterSettings.Type)? { routers.first { $0.kind == name } }
    func metricSource(named name: String) -> (any MetricSourceSettings.Type)? { metricSources.first { $0.kind == name } }
    func publisher(named name: String) -> (any PublisherSettings.Type)? { publishers.first { $0.kind == name } }
}

/// The settings of a router kind: how `canary.router` reads when its `kind` is this one.
public protocol RouterSettings: Sendable {
    /// The word after `kind:`, such as `lambda_alias`.
    static var kind: String { get }
    /// The keys the mapping may hold besides `kind`.
    static var keys: [String] { get }
    /// Reads the settings, or reports every problem through `settings` and answers nil.
    init?(_ settings: SettingsReader)
    /// Where traffic is moved, for `rampart validate`, such as `alias live of my-function`.
    var summary: String { get }
    /// Environment variables that hold secrets this kind reads: checked before the run, masked in output.
    var secretVariables: [String] { get }
    func isEqual(to other: any RouterSettings) -> Bool
}

/// What a metrics-source kind reads from `canary.metrics_source`, knowing the metrics the canary
/// checks (a source that cannot read one of them says so at validation, not mid-canary).
public protocol MetricSourceSettings: Sendable {
    static var kind: String { get }
    static var keys: [String] { get }
    init?(_ settings: SettingsReader, checks: [MetricCheck])
    /// Where the metrics come from, for `rampart validate`, such as `CloudWatch in eu-west-1`.
    var summary: String { get }
    var secretVariables: [String] { get }
    func isEqual(to other: any MetricSourceSettings) -> Bool
}

/// What a publisher kind reads from `canary.publish`: a metrics backend that receives each
/// version's latency, errors, tokens, cost and quality once per interval.
public protocol PublisherSettings: Sendable {
    static var kind: String { get }
    static var keys: [String] { get }
    init?(_ settings: SettingsReader)
    /// Where the metrics go, for `rampart validate`, such as `CloudWatch namespace Rampart`.
    var summary: String { get }
    /// Seconds between two publications on the engine clock.
    var interval: Double { get }
    func isEqual(to other: any PublisherSettings) -> Bool
}

extension PublisherSettings where Self: Equatable {
    public func isEqual(to other: any PublisherSettings) -> Bool { (other as? Self) == self }
}

extension RouterSettings {
    public var secretVariables: [String] { [] }
}

extension RouterSettings where Self: Equatable {
    public func isEqual(to other: any RouterSettings) -> Bool { (other as? Self) == self }
}

extension MetricSourceSettings {
    public var secretVariables: [String] { [] }
}

extension MetricSourceSettings where Self: Equatable {
    public func isEqual(to other: any MetricSourceSettings) -> Bool { (other as? Self) == self }
}
