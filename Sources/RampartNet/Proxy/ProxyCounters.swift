import RampartCore

/// Cumulative counters for `/metrics`, in the Prometheus text format. Unlike the live metrics
/// (per step, reset at each step), these only grow, as Prometheus expects of counters.
struct ProxyCounters: Sendable {
    /// Upper bounds of the latency histogram, in seconds.
    /// Fine enough between 0.1 and 3 s (where model latency lives) that `histogram_quantile`'s
    /// linear interpolation inside a bucket stays within about 10% of the true percentile.
    static let buckets: [Double] = [
        0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.75, 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 7.5, 10, 20, 30, 60,
    ]

    struct Arm: Sendable {
        var byStatus: [Int: Int] = [:]
        var errors = 0
        var bucketCounts = [Int](repeating: 0, count: ProxyCounters.buckets.count)
        var count = 0
        var sum = 0.0
        var promptTokens = 0
        var completionTokens = 0
        var cost = 0.0
        var qualitySum = 0.0
        var qualityCount = 0
    }

    var arms = PerVariant { _ in Arm() }

    mutating func record(_ o: Observation) {
        var a = arms[o.variant]
        a.byStatus[o.status, default: 0] += 1
        if o.failed { a.errors += 1 }
        let seconds = o.latencyMs / 1000
        for (i, le) in ProxyCounters.buckets.enumerated() where seconds <= le { a.bucketCounts[i] += 1 }
        a.count += 1
        a.sum += seconds
        a.promptTokens += o.promptTokens
        a.completionTokens += o.completionTokens
        a.cost += o.cost
        if let q = o.quality {
            a.qualitySum += q
            a.qualityCount += 1
        }
        arms[o.variant] = a
    }

    /// `only` limits the per-version series to one: a meter exports the version it fronts, so a
    /// Prometheus scraping both meters sums each version once.
    func render(weight: Double, only: Variant? = nil) -> String {
        let variants = only.map { [$0] } ?? Variant.allCases
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func num(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
        if only == nil {
            family("rampart_canary_weight_percent", "gauge", "Share of requests routed to the candidate, 0 to 100.")
            out += "rampart_canary_weight_percent \(num(weight))\n"
        }
        family("rampart_proxy_requests_total", "counter", "Requests proxied, by variant and HTTP status returned.")
        for v in variants {
            for (status, n) in arms[v].byStatus.sorted(by: { $0.key < $1.key }) {
                out += "rampart_proxy_requests_total{variant=\"\(v.rawValue)\",status=\"\(status)\"} \(n)\n"
            }
        }
        family("rampart_proxy_upstream_errors_total", "counter", "Requests that failed for the version: unreachable, timed out, 5xx or malformed.")
        for v in variants { out += "rampart_proxy_upstream_errors_total{variant=\"\(v.rawValue)\"} \(arms[v].errors)\n" }
        family("rampart_proxy_request_duration_seconds", "histogram", "Time from receiving a request to having the upstream's whole answer.")
        for v in variants {
            let a = arms[v]
            for (i, le) in ProxyCounters.buckets.enumerated() {
                out += "rampart_proxy_request_duration_seconds_bucket{variant=\"\(v.rawValue)\",le=\"\(le)\"} \(a.bucketCounts[i])\n"
            }
            out += "rampart_proxy_request_duration_seconds_bucket{variant=\"\(v.rawValue)\",le=\"+Inf\"} \(a.count)\n"
            out += "rampart_proxy_request_duration_seconds_sum{variant=\"\(v.rawValue)\"} \(a.sum)\n"
            out += "rampart_proxy_request_duration_seconds_count{variant=\"\(v.rawValue)\"} \(a.count)\n"
        }
        family("rampart_proxy_tokens_total", "counter", "Tokens reported in the upstreams' usage, by kind.")
        for v in variants {
            out += "rampart_proxy_tokens_total{variant=\"\(v.rawValue)\",kind=\"prompt\"} \(arms[v].promptTokens)\n"
            out += "rampart_proxy_tokens_total{variant=\"\(v.rawValue)\",kind=\"completion\"} \(arms[v].completionTokens)\n"
        }
        family("rampart_proxy_cost_dollars_total", "counter", "Cost of the proxied requests from the spec's price table.")
        for v in variants { out += "rampart_proxy_cost_dollars_total{variant=\"\(v.rawValue)\"} \(arms[v].cost)\n" }
        family("rampart_proxy_quality_score_sum", "counter", "Sum of online quality scores of the sampled responses.")
        for v in variants { out += "rampart_proxy_quality_score_sum{variant=\"\(v.rawValue)\"} \(arms[v].qualitySum)\n" }
        family("rampart_proxy_quality_scored_total", "counter", "Responses scored online for quality.")
        for v in variants { out += "rampart_proxy_quality_scored_total{variant=\"\(v.rawValue)\"} \(arms[v].qualityCount)\n" }
        return out
    }
}
