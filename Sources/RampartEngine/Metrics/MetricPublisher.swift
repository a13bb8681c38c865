import Foundation
import RampartCore

/// A metrics backend that receives Rampart's own measurements of each version once per interval
/// (`canary.publish`), so teams get dashboards and alarms on quality and cost, which their
/// platform cannot measure by itself. Publishing is an output: a failure is shown and recorded,
/// and never changes the canary's decision.
public protocol MetricPublisher: Sendable {
    /// Said in events: `cloudwatch Rampart/Canary in eu-west-1`.
    var name: String { get }
    /// Sends one interval's window, stamped with the interval's end on the wall clock.
    func publish(_ window: MetricWindow, at date: Date) async throws(PublishFailure)
}

/// Why an interval's metrics were not published.
public struct PublishFailure: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A publisher kind the assembly could not build (no region): every interval fails with why.
struct UnbuildablePublisher: MetricPublisher {
    var name: String
    var why: String
    func publish(_ window: MetricWindow, at date: Date) async throws(PublishFailure) { throw PublishFailure(why) }
}
