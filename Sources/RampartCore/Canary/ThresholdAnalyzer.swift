/// The plain canary check: each metric against its limit relative to the baseline, at every
/// analysis interval, rolling back after `failure_limit` failed analyses in a row.
///
/// This is the Argo/Flagger semantics: it promotes on the absence of a tripped threshold. The
/// statistical judge that decides on evidence replaces it behind the same inputs.
public struct ThresholdAnalyzer: Sendable, Equatable {
    public let checks: [MetricCheck]
    public let failureLimit: Int
    public let minSamples: Int
    private var consecutive: [CanaryMetric: Int] = [:]

    public init(checks: [MetricCheck], failureLimit: Int, minSamples: Int) {
        self.checks = checks
        self.failureLimit = failureLimit
        self.minSamples = minSamples
    }

    /// A new step starts with a clean slate: earlier failures were at another weight.
    public mutating func resetForNewStep() {
        consecutive = [:]
    }

    public mutating func analyze(step: Int, baseline: ArmMetrics, candidate: ArmMetrics) -> CanaryAnalysis {
        var results: [MetricResult] = []
        let enough = baseline.requests >= minSamples && candidate.requests >= minSamples
        for check in checks {
            let b = baseline.value(check.metric), c = candidate.value(check.metric)
            guard enough, let b, let c else {
                results.append(
                    MetricResult(
                        metric: check.metric, baseline: b, candidate: c, limit: nil, status: .noData,
                        consecutiveFailures: consecutive[check.metric] ?? 0))
                continue
            }
            let limit = ThresholdAnalyzer.limit(check, baseline: b)
            let within = check.metric.higherIsWorse ? c <= limit + 1e-12 : c >= limit - 1e-12
            let failures = within ? 0 : (consecutive[check.metric] ?? 0) + 1
            consecutive[check.metric] = failures
            let status: MetricResult.Status = within ? .ok : (failures >= failureLimit ? .breach : .watching)
            results.append(MetricResult(metric: check.metric, baseline: b, candidate: c, limit: limit, status: status, consecutiveFailures: failures))
        }
        let breaches = results.filter { $0.status == .breach }
        if !breaches.isEmpty {
            let reason = breaches.map { ThresholdAnalyzer.describe($0) }.joined(separator: "; ")
            return CanaryAnalysis(step: step, results: results, decision: .rollback, reason: reason)
        }
        let watching = results.filter { $0.status == .watching }
        let reason: String
        if !enough {
            reason = "gathering data (need \(minSamples) requests per arm; baseline \(baseline.requests), candidate \(candidate.requests))"
        } else if watching.isEmpty {
            reason = "all \(results.count) metrics within limits"
        } else {
            reason = "watching " + watching.map { "\($0.metric.rawValue) (\($0.consecutiveFailures)/\(failureLimit))" }.joined(separator: ", ")
        }
        return CanaryAnalysis(step: step, results: results, decision: .continue, reason: reason)
    }

    /// The tightest bound among the check's limits, given the baseline's value.
    public static func limit(_ check: MetricCheck, baseline b: Double) -> Double {
        if check.metric.higherIsWorse {
            var bounds: [Double] = []
            if let r = check.maxRatio { bounds.append(b * r) }
            if let d = check.maxIncrease { bounds.append(b + d) }
            if let m = check.max { bounds.append(m) }
            return bounds.min() ?? .infinity
        } else {
            var bounds: [Double] = []
            if let d = check.maxDecrease { bounds.append(b - d) }
            if let m = check.min { bounds.append(m) }
            return bounds.max() ?? -.infinity
        }
    }

    public static func describe(_ r: MetricResult) -> String {
        let f = MetricFormat.value
        let c = r.candidate.map { f(r.metric, $0) } ?? "-"
        let b = r.baseline.map { f(r.metric, $0) } ?? "-"
        let l = r.limit.map { f(r.metric, $0) } ?? "-"
        let op = r.metric.higherIsWorse ? ">" : "<"
        return "\(r.metric.rawValue) \(c) \(op) limit \(l) (baseline \(b)) for \(r.consecutiveFailures) analyses"
    }
}
