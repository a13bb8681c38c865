import RampartCore

/// Stands in for a kind whose settings parsed but that this build cannot make (its type was read
/// with kinds other than `RunAssembly.kinds`). It fails every call, so the canary holds at 0 %
/// and says why; it never pretends traffic moved or metrics were read.
struct UnbuildableRouter: TrafficRouter {
    var name: String
    var detail: String { "not built into this Rampart" }

    func setWeight(_ percent: Double) async throws(RouterError) {
        throw RouterError("the \(name) router is not built into this Rampart (not listed in RunAssembly.kinds)")
    }
}

/// The metrics-source counterpart of `UnbuildableRouter`: every read is an error, never no data.
struct UnbuildableSource: MetricSource {
    var name: String

    func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings {
        var readings = MetricReadings(baselineRequests: nil, candidateRequests: nil, readings: [], source: name)
        readings.requestsError = "the \(name) metrics source is not built into this Rampart (not listed in RunAssembly.kinds)"
        return readings
    }
}
