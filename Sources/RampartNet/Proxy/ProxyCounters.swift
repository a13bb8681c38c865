import Prometheus
import RampartCore
import Synchronization

/// Cumulative counters for `/metrics`, kept and rendered by swift-prometheus. Unlike the live
/// metrics (per step, reset at each step), these only grow, as Prometheus expects of counters.
/// One request's series change together: recording and rendering share a lock, so a scrape
/// never sees a request counted without its tokens (a bucket's tokens per request would read
/// 20 then 60 where every request used 30).
final class ProxyCounters: Sendable {
    /// Upper bounds of the latency histogram, in seconds.
    /// Fine enough between 0.1 and 3 s (where model latency lives) that `histogram_quantile`'s
    /// linear interpolation inside a bucket stays within about 10% of the true percentile.
    static let buckets: [Double] = [
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 20, 30, 60,
    ]

    static let weightName = "rampart_canary_weight_percent"

    /// One version's series, made once: the registry hands back the same series for the same
    /// name and labels, but finding it takes a lock.
    final class Arm: Sendable {
        let variant: Variant
        let errors: Counter
        let duration: ValueHistogram
        let promptTokens: Counter
        let completionTokens: Counter
        let cost: Counter
        let qualitySum: Counter
        let qualityCount: Counter
        private let byStatus = Mutex<[Int: Counter]>([:])
        private let registry: PrometheusCollectorRegistry

        init(_ variant: Variant, registry: PrometheusCollectorRegistry) {
            self.variant = variant
            self.registry = registry
            let v = ("variant", variant.rawValue)
            errors = registry.makeCounter(
                descriptor: ProxyCounters.proxy(
                    "upstream_errors", "total", "Requests that failed for the version: unreachable, timed out, 5xx or malformed."),
                labels: [v])
            duration = registry.makeValueHistogram(
                descriptor: ProxyCounters.proxy(
                    "request_duration", "seconds", "Time from receiving a request to having the upstream's whole answer."),
                labels: [v], buckets: ProxyCounters.buckets)
            let tokens = proxy("tokens", "total", "Tokens reported in the upstreams' usage, by kind.")
            promptTokens = registry.makeCounter(descriptor: tokens, labels: [v, ("kind", "prompt")])
            completionTokens = registry.makeCounter(descriptor: tokens, labels: [v, ("kind", "completion")])
            cost = registry.makeCounter(
                descriptor: ProxyCounters.proxy("cost_dollars", "total", "Cost of the proxied requests from the spec's price table."), labels: [v])
            qualitySum = registry.makeCounter(
                descriptor: ProxyCounters.proxy("quality_score", "sum", "Sum of online quality scores of the sampled responses."), labels: [v])
            qualityCount = registry.makeCounter(
                descriptor: ProxyCounters.proxy("quality_scored", "total", "Responses scored online for quality."), labels: [v])
        }

        func requests(status: Int) -> Counter {
            byStatus.withLock { known in
                if let counter = known[status] { return counter }
                let counter = registry.makeCounter(
                    descriptor: ProxyCounters.proxy("requests", "total", "Requests proxied, by variant and HTTP status returned."),
                    labels: [("variant", variant.rawValue), ("status", String(status))])
                known[status] = counter
                return counter
            }
        }
    }

    /// `rampart_proxy_NAME_UNIT`, the names `PromQLDefaults` queries.
    static func proxy(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rampart", subsystem: "proxy", metricName: name, unitName: unit, helpText: help)
    }

    private let registry = PrometheusCollectorRegistry()
    /// Held while one request's series change and while the text is emitted.
    private let consistent = Mutex<Void>(())
    private let weight: Gauge
    private let arms: PerVariant<Arm>

    init() {
        weight = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "rampart", subsystem: "canary", metricName: "weight", unitName: "percent",
                helpText: "Share of requests routed to the candidate, 0 to 100."))
        let registry = self.registry
        arms = PerVariant { Arm($0, registry: registry) }
    }

    func setWeight(_ percent: Double) { weight.set(percent) }

    func record(_ o: Observation) {
        let arm = arms[o.variant]
        let requests = arm.requests(status: o.status)
        consistent.withLock { _ in
            requests.increment()
            if o.failed { arm.errors.increment() }
            arm.duration.record(o.latencyMs / 1000)
            Self.add(o.promptTokens, to: arm.promptTokens)
            Self.add(o.completionTokens, to: arm.completionTokens)
            Self.add(o.cost, to: arm.cost)
            if let q = o.quality { Self.addQuality(q, to: arm) }
        }
    }

    func recordQuality(_ variant: Variant, _ score: Double) {
        let arm = arms[variant]
        consistent.withLock { _ in Self.addQuality(score, to: arm) }
    }

    private static func addQuality(_ score: Double, to arm: Arm) {
        add(score, to: arm.qualitySum)
        arm.qualityCount.increment()
    }

    /// A counter only grows, and swift-prometheus traps on anything else: a negative token
    /// count or a NaN cost from a misbehaving upstream adds nothing instead of ending the proxy.
    static func add(_ amount: Int, to counter: Counter) {
        if amount > 0 { counter.increment(by: Int64(amount)) }
    }

    static func add(_ amount: Double, to counter: Counter) {
        if amount > 0 && amount.isFinite { counter.increment(by: amount) }
    }

    /// The exposition text. `only` limits it to one version's series: a meter exports the
    /// version it fronts (and no weight, which is its router's), so a Prometheus scraping both
    /// meters sums each version once. Families stay whole, as the format requires.
    func render(only: Variant? = nil) -> String {
        let text = consistent.withLock { _ in registry.emitToString() }
        guard let only else { return text }
        let other = #"variant=""# + (only == .candidate ? Variant.baseline : .candidate).rawValue + #"""#
        return text.split(separator: "\n", omittingEmptySubsequences: true)
            .filter { !$0.contains(other) && !$0.contains(Self.weightName) }
            .map { $0 + "\n" }.joined()
    }
}
