/// What a metrics backend (Prometheus) answered for one analysis: per metric, a value or a
/// series for each arm. Empty means no data; an error says why a query failed. Judges that work
/// on aggregates (threshold, Kayenta) decide from these instead of per-request observations.
public struct MetricReadings: Sendable, Equatable, Codable {
    public struct Reading: Sendable, Equatable, Codable {
        public var metric: CanaryMetric
        /// One value for an instant query, the series in time order for a range query.
        public var baseline: [Double]
        public var candidate: [Double]
        /// Why the value is missing when a query failed (no data is not an error).
        public var error: String?

        public init(metric: CanaryMetric, baseline: [Double], candidate: [Double], error: String? = nil) {
            self.metric = metric
            self.baseline = baseline
            self.candidate = candidate
            self.error = error
        }
    }

    /// Requests each arm served in the step, when the backend could say.
    public var baselineRequests: Int?
    public var candidateRequests: Int?
    /// Failed requests each arm served in the step, for the sequential judge's error counts.
    public var baselineErrors: Int?
    public var candidateErrors: Int?
    public var readings: [Reading]
    /// Why the request count is missing, when its query failed.
    public var requestsError: String?
    /// Where the readings came from, for the log (`prometheus http://host:9090`).
    public var source: String
    /// Guarding alarms in ALARM, as "NAME: reason"; any one rolls the canary back at once.
    public var alarms: [String]?

    public init(baselineRequests: Int?, candidateRequests: Int?, readings: [Reading], source: String) {
        self.baselineRequests = baselineRequests
        self.candidateRequests = candidateRequests
        self.readings = readings
        self.source = source
    }

    public func reading(_ metric: CanaryMetric) -> Reading? {
        readings.first { $0.metric == metric }
    }

    /// Failed queries, one line each.
    public var errors: [String] {
        (requestsError.map { ["requests: \($0)"] } ?? []) + readings.compactMap { r in r.error.map { "\(r.metric.rawValue): \($0)" } }
    }

    /// The failures grouped by message, so a server that is down reads as one line, not one per
    /// query; nil when every query answered.
    public var errorSummary: String? {
        var order: [String] = []
        var names: [String: [String]] = [:]
        let all = (requestsError.map { [("requests", $0)] } ?? []) + readings.compactMap { r in r.error.map { (r.metric.rawValue, $0) } }
        for (name, message) in all {
            if names[message] == nil { order.append(message) }
            names[message, default: []].append(name)
        }
        guard !order.isEmpty else { return nil }
        let total = readings.count + 1
        return order.map { m in
            let who = names[m, default: []]
            return who.count == total ? "\(m) (every query)" : "\(m) (\(who.joined(separator: ", ")))"
        }.joined(separator: "; ")
    }

    /// One value per arm, reducing a range query's series as its check asks.
    public static func reduce(_ series: [Double], _ how: MetricQuery.Aggregate) -> Double? {
        guard !series.isEmpty else { return nil }
        switch how {
        case .mean: return series.reduce(0, +) / Double(series.count)
        case .max: return series.max()
        case .min: return series.min()
        case .last: return series.last
        }
    }
}
