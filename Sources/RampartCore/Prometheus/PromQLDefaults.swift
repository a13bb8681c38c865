/// PromQL for the built-in canary metrics over the series Rampart's own proxy exports on
/// `/metrics` (see `ProxyCounters`), so a spec whose Prometheus scrapes the proxy or its meter
/// needs no queries at all. Each covers the current step (`{{elapsed}}`), as the judge's
/// per-step comparison does with observations.
public enum PromQLDefaults {
    private static let requestsSeries = "rampart_proxy_request_duration_seconds_count{variant=\"{{variant}}\"}"
    private static let errorsSeries = "rampart_proxy_upstream_errors_total{variant=\"{{variant}}\"}"

    private static func increase(_ series: String) -> String {
        "sum(increase(\(series)[{{elapsed}}]))"
    }

    /// Requests in the step, errors included.
    public static let requests = increase(requestsSeries)

    /// Successful requests in the step: tokens, cost and quality are per success, as in `ArmMetrics`.
    private static let successes = "(\(increase(requestsSeries)) - \(increase(errorsSeries)))"

    private static func quantile(_ q: Double) -> String {
        "1000 * histogram_quantile(\(q), sum by (le) (increase(rampart_proxy_request_duration_seconds_bucket{variant=\"{{variant}}\"}[{{elapsed}}])))"
    }

    /// nil where the proxy exports nothing to compute the metric from.
    public static func query(for metric: CanaryMetric) -> String? {
        switch metric {
        case .latencyP50: quantile(0.5)
        case .latencyP95: quantile(0.95)
        case .errorRate: "\(increase(errorsSeries)) / \(increase(requestsSeries))"
        case .tokensPerRequest: "\(increase("rampart_proxy_tokens_total{variant=\"{{variant}}\"}")) / \(successes)"
        case .costPerRequest: "\(increase("rampart_proxy_cost_dollars_total{variant=\"{{variant}}\"}")) / \(successes)"
        case .quality: "\(increase("rampart_proxy_quality_score_sum{variant=\"{{variant}}\"}")) / \(increase("rampart_proxy_quality_scored_total{variant=\"{{variant}}\"}"))"
        case .criticalEvents: nil
        }
    }
}
