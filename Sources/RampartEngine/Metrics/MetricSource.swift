import Foundation
import RampartCore

/// A metrics backend the canary's judge reads instead of the proxy's own observations:
/// Prometheus now, CloudWatch next. Each read covers the step so far, from `stepStart` to
/// `now` on the engine clock; the source turns those into its own time through the clock.
///
/// Without a source, the judge decides on the requests the data plane observed itself. With
/// one, it decides on the source's readings alone (the same requests, never counted twice).
public protocol MetricSource: Sendable {
    /// Said in events and errors: `prometheus http://…`.
    var name: String { get }
    func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings
}
