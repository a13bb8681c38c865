/// PromQL for the built-in canary metrics over the series Rampart's own proxy exports on
/// `/metrics` (see `ProxyCounters`), so a spec whose Prometheus scrapes the proxy or its meter
/// needs no queries at all. Each covers the current step (`{{elapsed}}`), as the judge's
/// per-step comparison does with observations.
public enum PromQLDefaults {
    private static let requestsSeries = "rampart_proxy_request_duration_seconds_count{variant=\"{{variant}}\"}"
    private static let errorsSeries = "rampart_proxy_upstream_errors_total{variant=\"{{variant}}\"}"

    /// What a counter gained since the step began: now minus its value at the step's start, or
    /// all of it for a series born during the step. Exact, unlike `increase()`, which
    /// extrapolates to the window's edges and misses a jump between the last scrape before the
    /// step and the first in it: over a 30-second step scraped every 15 s that is half the data.
    /// (A counter reset inside a step, a restart of the meter, is not corrected for.)
    ///
    /// A range query's points are buckets instead (what Kayenta compares): each point is the
    /// delta over the last `{{resolution}}`, so the window is a parameter.
    public static func stepDelta(_ series: String, over window: String = "{{elapsed}}") -> String {
        "((\(series) - \(series) offset \(window)) or \(series))"
    }

    /// Requests in the step, errors included.
    public static let requests = "sum(\(stepDelta(requestsSeries)))"

    /// Failed requests in the step.
    public static let errors = "sum(\(stepDelta(errorsSeries)))"

    /// The built-in query; nil where the proxy exports nothing to compute the metric from.
    public static func query(for metric: CanaryMetric, kind: MetricQuery.Kind = .instant) -> String? {
        let window = kind == .instant ? "{{elapsed}}" : "{{resolution}}"
        func sumDelta(_ series: String) -> String { "sum(\(stepDelta(series, over: window)))" }
        func quantile(_ q: Double) -> String {
            "1000 * histogram_quantile(\(q), sum by (le) (\(stepDelta("rampart_proxy_request_duration_seconds_bucket{variant=\"{{variant}}\"}", over: window))))"
        }
        // Tokens, cost and quality are per successful request, as in `ArmMetrics`.
        let successes = "(\(sumDelta(requestsSeries)) - \(sumDelta(errorsSeries)))"
        return switch metric {
        case .latencyP50: quantile(0.5)
        case .latencyP95: quantile(0.95)
        case .errorRate: "\(sumDelta(errorsSeries)) / \(sumDelta(requestsSeries))"
        case .tokensPerRequest: "\(sumDelta("rampart_proxy_tokens_total{variant=\"{{variant}}\"}")) / \(successes)"
        case .costPerRequest: "\(sumDelta("rampart_proxy_cost_dollars_total{variant=\"{{variant}}\"}")) / \(successes)"
        case .quality:
            "\(sumDelta("rampart_proxy_quality_score_sum{variant=\"{{variant}}\"}")) / \(sumDelta("rampart_proxy_quality_scored_total{variant=\"{{variant}}\"}"))"
        case .criticalEvents: nil
        }
    }
}
