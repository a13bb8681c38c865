/// Where the canary judge reads its metrics.
public enum MetricsSourceSpec: Sendable {
    /// The requests Rampart's data plane observed itself (proxy, meter or in-process traffic).
    case observations
    /// PromQL over a Prometheus server's HTTP API, at each analysis interval.
    case prometheus(PrometheusSourceSpec)
    /// A kind defined in a file of its own and listed in the engine's `RunAssembly`.
    case kind(any MetricSourceSettings)

    public var name: String {
        switch self {
        case .observations: "observations"
        case .prometheus: "prometheus"
        case .kind(let settings): type(of: settings).kind
        }
    }
}

extension MetricsSourceSpec: Equatable {
    public static func == (a: MetricsSourceSpec, b: MetricsSourceSpec) -> Bool {
        switch (a, b) {
        case (.observations, .observations): true
        case (.prometheus(let x), .prometheus(let y)): x == y
        case (.kind(let x), .kind(let y)): x.isEqual(to: y)
        default: false
        }
    }
}

public struct PrometheusSourceSpec: Sendable, Equatable {
    /// Base URL of the server, such as `http://127.0.0.1:9090` (the HTTP API lives under it).
    public var url: String
    /// A query that has not answered by then is an error for that analysis.
    public var timeout: Double = 10
    /// Environment variable holding a bearer token; the token itself never enters a spec or a log.
    public var tokenEnv: String?
    /// Resolution (`step`) of range queries, in seconds.
    public var resolution: Double = 5
    /// Requests each arm served in the step, for `min_samples` and the steps' `min_requests`.
    public var requestsQuery: String = PromQLDefaults.requests
    /// Failed requests each arm served in the step, for the sequential judge's error counts.
    public var errorsQuery: String = PromQLDefaults.errors

    public init(url: String) {
        self.url = url
    }
}

/// How one metric is read from Prometheus.
public struct MetricQuery: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable, CaseIterable {
        /// One value per arm at the analysis time (`/api/v1/query`).
        case instant
        /// A series per arm over the step so far (`/api/v1/query_range`).
        case range
    }

    /// How a range query's series becomes the one value the threshold judge compares.
    public enum Aggregate: String, Sendable, Equatable, Codable, CaseIterable {
        case mean, max, min, last
    }

    /// PromQL with `{{variant}}`, `{{version}}`, `{{interval}}` and `{{elapsed}}` placeholders.
    public var expr: String
    public var kind: Kind
    public var aggregate: Aggregate

    public init(expr: String, kind: Kind = .instant, aggregate: Aggregate = .mean) {
        self.expr = expr
        self.kind = kind
        self.aggregate = aggregate
    }

    enum CodingKeys: String, CodingKey {
        case expr
        case kind = "type"
        case aggregate
    }
}
