import RampartCore

/// Stands in for a kind whose settings parsed but that could not be made (its type was read
/// with kinds other than `RunAssembly.kinds`, or it has no region to work in). It fails every call, so the canary holds at 0 %
/// and says why; it never pretends traffic moved or metrics were read.
struct UnbuildableRouter: TrafficRouter {
    var name: String
    /// Why it could not be built.
    var why = "not listed in RunAssembly.kinds"
    var detail: String { "not built: \(why)" }

    func setWeight(_ percent: Double) async throws(RouterError) {
        throw RouterError("the \(name) router could not be built: \(why)")
    }

    func prepare() async throws(RouterError) { try await setWeight(0) }

    /// Nothing was built to ask (`detail` says why).
    func current() async throws(RouterError) -> Double? { throw RouterError("it could not be built") }
}

/// The metrics-source counterpart of `UnbuildableRouter`: every read is an error, never no data.
struct UnbuildableSource: MetricSource {
    var name: String
    var why = "not built into this Rampart (not listed in RunAssembly.kinds)"

    func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings {
        var readings = MetricReadings(baselineRequests: nil, candidateRequests: nil, readings: [], source: name)
        readings.requestsError = "the \(name) metrics source is \(why)"
        return readings
    }
}
