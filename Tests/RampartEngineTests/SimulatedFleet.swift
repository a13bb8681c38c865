import Foundation
import RampartAWS
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartCore
@testable import RampartEngine

/// A fleet that serves a split of its traffic to the candidate and reports to CloudWatch, as a
/// Lambda alias's invocations are reported, for whole canaries on AWS run on the engine's
/// virtual clock. Before each of the judge's reads it serves the time since the last one at 20
/// requests a second: it reads its split (the alias's weights, the AppConfig flag), divides the
/// requests by it, and puts each version's invocations, errors and durations into CloudWatch
/// on moto; then the real CloudWatch source reads them back.
final class SimulatedFleet: MetricSource {
    /// One version's behaviour.
    struct Behaviour: Sendable {
        var errorRate: Double
        /// Most requests' duration (the median).
        var durationMs: Double
        /// The slowest tenth's (p95 and above); the median's when nil.
        var tailMs: Double? = nil
    }

    let inner: any MetricSource
    /// Where CloudWatch is (Lambda is on the unchecked server, CloudWatch on the checked one).
    let cloudWatch: MotoServer
    let namespace: String
    let versions: (baseline: String, candidate: String)
    let behaviour: [String: Behaviour]
    /// The candidate's share in percent as the fleet reads it, nil when it cannot be read.
    let share: @Sendable () async -> Double?
    /// A version's CloudWatch dimensions.
    let dimensions: @Sendable (String) -> [[String: String]]
    /// Runs before each read with the engine time: what else happens in the account then.
    let before: @Sendable (Double) async -> Void
    let served = Mutex<(last: Double, weights: [Double])>((0, []))

    init(
        inner: any MetricSource, cloudWatch: MotoServer, namespace: String, versions: (String, String), behaviour: [String: Behaviour],
        share: @escaping @Sendable () async -> Double?, dimensions: @escaping @Sendable (String) -> [[String: String]],
        before: @escaping @Sendable (Double) async -> Void = { _ in }
    ) {
        self.inner = inner
        self.cloudWatch = cloudWatch
        self.namespace = namespace
        self.versions = versions
        self.behaviour = behaviour
        self.share = share
        self.dimensions = dimensions
        self.before = before
    }

    var name: String { inner.name }

    func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings {
        await before(now)
        let last = served.withLock { $0.last }
        if now > last, let share = await share() {
            served.withLock { s in
                s.last = now
                s.weights.append(share)
            }
            let total = 20 * (now - last)
            let candidate = (total * share / 100).rounded()
            var data: [[String: Any]] = []
            for (version, n) in [(versions.baseline, total - candidate), (versions.candidate, candidate)] where n > 0 {
                guard let b = behaviour[version] else {
                    Issue.record("no behaviour for version \(version)")
                    continue
                }
                let dims = dimensions(version)
                let at = clock.date(at: now - 1).timeIntervalSince1970
                for (metric, value) in [("Invocations", n), ("Errors", (n * b.errorRate).rounded())] {
                    data.append(["MetricName": metric, "Dimensions": dims, "Timestamp": at, "Value": value])
                }
                // Durations as a distribution (CloudWatch's Values and Counts): 18 at the median,
                // 2 in the tail, so p50 is the median's and p95 the tail's.
                if let tail = b.tailMs {
                    data.append([
                        "MetricName": "Duration", "Dimensions": dims, "Timestamp": at, "Values": [b.durationMs, tail], "Counts": [18, 2],
                        "Unit": "Milliseconds",
                    ])
                } else {
                    data.append(["MetricName": "Duration", "Dimensions": dims, "Timestamp": at, "Value": b.durationMs])
                }
            }
            do {
                _ = try await cloudWatch.client(.cloudWatch).cloudWatch("PutMetricData", ["Namespace": namespace, "MetricData": data])
            } catch {
                Issue.record("the fleet could not put its metrics: \(error)")
            }
        }
        return await inner.read(stepStart: stepStart, now: now, clock: clock)
    }
}
