/// The canary stage: how traffic ramps and what is watched at each step.
public struct CanarySpec: Sendable, Equatable {
    public var router: RouterSpec
    public var traffic: TrafficSpec
    /// The weighted proxy, when traffic flows through Rampart's own data plane.
    public var proxy: ProxySpec
    public var steps: [CanaryStep]
    public var metrics: [MetricCheck]
    /// How often the metrics are checked against their thresholds.
    public var analysisInterval: Double
    /// Consecutive failed analyses of one metric that trigger a rollback.
    public var failureLimit: Int
    /// Requests each arm must have in the step before a metric is judged at all.
    public var minSamples: Int
    /// Who decides: the sequential judge (default), Kayenta's, or Argo-style thresholds.
    public var judge: JudgePolicy = JudgePolicy()
    /// Where the judge reads the metrics: the observed requests, or Prometheus.
    public var metricsSource: MetricsSourceSpec = .observations
    /// Where Rampart's own measurements of each version are published, if anywhere.
    public var publish: PublishSpec?
    /// The absolute check that both arms' evidence is sound (on unless the spec turns it off).
    public var evidenceGuard = EvidenceGuard.Settings()

    public init(
        router: RouterSpec = .builtin, traffic: TrafficSpec, steps: [CanaryStep], metrics: [MetricCheck],
        analysisInterval: Double = 10, failureLimit: Int = 2, minSamples: Int = 20, proxy: ProxySpec = ProxySpec()
    ) {
        self.router = router
        self.proxy = proxy
        self.traffic = traffic
        self.steps = steps
        self.metrics = metrics
        self.analysisInterval = analysisInterval
        self.failureLimit = failureLimit
        self.minSamples = minSamples
    }
}

/// How the candidate's share of traffic is set.
public enum RouterSpec: Sendable {
    /// Rampart's weighted proxy (or, for in-process sim traffic, the engine's own split).
    case builtin
    /// Atomically rewrites a feature-flag JSON document that the app reads.
    case file(path: String)
    /// Runs a command with `{weight}` replaced by the percentage.
    case command(run: String, timeout: Double)
    /// Renders an nginx upstream block with both versions' weights, checks it, reloads.
    case nginx(NginxRouterSpec)
    /// A kind defined in a file of its own and listed in the engine's `RunAssembly`.
    case kind(any RouterSettings)

    public var name: String {
        switch self {
        case .builtin: "builtin"
        case .file: "file"
        case .command: "command"
        case .nginx: "nginx"
        case .kind(let settings): type(of: settings).kind
        }
    }
}

extension RouterSpec: Equatable {
    public static func == (a: RouterSpec, b: RouterSpec) -> Bool {
        switch (a, b) {
        case (.builtin, .builtin): true
        case (.file(let x), .file(let y)): x == y
        case (.command(let x, let t), .command(let y, let u)): x == y && t == u
        case (.nginx(let x), .nginx(let y)): x == y
        case (.kind(let x), .kind(let y)): x.isEqual(to: y)
        default: false
        }
    }
}

public struct NginxRouterSpec: Sendable, Equatable {
    /// The file the user's nginx config includes (inside `http { }`).
    public var path: String
    /// The upstream's name, as `proxy_pass http://NAME` uses it.
    public var upstream: String
    /// `host:port` of each version.
    public var baseline: String
    public var candidate: String
    public var test: String
    public var reload: String
    public var timeout: Double

    public init(
        path: String, upstream: String, baseline: String, candidate: String, test: String = "nginx -t", reload: String = "nginx -s reload",
        timeout: Double = 30
    ) {
        self.path = path
        self.upstream = upstream
        self.baseline = baseline
        self.candidate = candidate
        self.test = test
        self.reload = reload
        self.timeout = timeout
    }
}

/// Rampart's weighted reverse proxy in front of the two versions.
public struct ProxySpec: Sendable, Equatable {
    public var host: String
    /// 0 picks a free port (printed at start and served on the control socket).
    public var port: Int
    /// Requests carrying this header are assigned by a hash of its value, so a user stays on one
    /// version as the weight grows.
    public var stickyHeader: String?
    /// An upstream that has not answered by then is a failed request for its arm (504).
    public var upstreamTimeout: Double
    /// Base URLs of the two versions; nil serves the variant's sim model on loopback.
    public var baselineURL: String?
    public var candidateURL: String?
    /// Share of successful responses scored online for quality (those with a reference).
    public var qualitySample: Double
    /// Share of baseline requests (with a reference) whose prompt is also sent to the candidate,
    /// answer discarded, so quality is compared on the same prompts by a paired test. Each costs
    /// a candidate call; 0 (the default) mirrors nothing.
    public var mirror: Double = 0
    /// Behind an external router (nginx): one listener per version, which the router's upstream
    /// names instead of the version itself. Each forwards to its version and measures it.
    public var meter: Meter?
    /// A PEM file of extra certificate authorities trusted for https upstreams and targets,
    /// beside the system's (a private gateway's CA).
    public var caFile: String?

    public struct Meter: Sendable, Equatable {
        public var baseline: HostPort
        public var candidate: HostPort
        public init(baseline: HostPort, candidate: HostPort) {
            self.baseline = baseline
            self.candidate = candidate
        }
    }

    public struct HostPort: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { "\(host):\(port)" }
    }

    public init(
        host: String = "127.0.0.1", port: Int = 0, stickyHeader: String? = "x-user-id", upstreamTimeout: Double = 30,
        baselineURL: String? = nil, candidateURL: String? = nil, qualitySample: Double = 0.25
    ) {
        self.host = host
        self.port = port
        self.stickyHeader = stickyHeader
        self.upstreamTimeout = upstreamTimeout
        self.baselineURL = baselineURL
        self.candidateURL = candidateURL
        self.qualitySample = qualitySample
    }
}

public struct TrafficSpec: Sendable, Equatable {
    public enum Source: String, Sendable, Equatable, CaseIterable {
        /// Poisson arrivals answered by the sim models inside the engine, no network: fast,
        /// reproducible, and the only choice under a virtual clock.
        case sim
        /// Poisson arrivals sent over HTTP through the weighted proxy to the upstreams.
        case load
        /// Real clients call the proxy; Rampart adds no traffic of its own.
        case external
    }

    public var source: Source
    /// Mean requests per second across both arms (ignored for `external`).
    public var rate: Double
    /// Resolved path of the golden dataset the prompts come from.
    public var dataset: String
    /// Where `load` sends its requests when an external router (nginx) splits them; nil sends
    /// them to Rampart's proxy.
    public var target: String?
    /// What the load generator says to a real gateway: the model name it asks for (the proxy
    /// rewrites it per version), the variable holding its key, extra headers, and whether it
    /// asks for streamed answers.
    public var model: String = "rampart-load"
    public var apiKeyEnv: String?
    public var headers: [String: String] = [:]
    public var stream: Bool = false

    public init(source: Source = .sim, rate: Double, dataset: String) {
        self.source = source
        self.rate = rate
        self.dataset = dataset
    }
}

public struct CanaryStep: Sendable, Equatable, Codable {
    /// Percent of traffic sent to the candidate, 0...100.
    public var weight: Double
    /// Minimum time the step runs (paused time does not count).
    public var bake: Double
    /// Minimum candidate requests in the step before it may advance.
    public var minRequests: Int
    /// Time after which a step that has not gathered enough requests ends the run inconclusive.
    public var timeout: Double

    public init(weight: Double, bake: Double, minRequests: Int = 0, timeout: Double? = nil) {
        self.weight = weight
        self.bake = bake
        self.minRequests = minRequests
        self.timeout = timeout ?? CanaryStep.defaultTimeout(bake: bake)
    }

    /// Three bakes, and never less than ten minutes past the bake.
    public static func defaultTimeout(bake: Double) -> Double {
        max(bake * 3, bake + 600)
    }

    enum CodingKeys: String, CodingKey {
        case weight, bake, timeout
        case minRequests = "min_requests"
    }
}

/// How the canary is judged, and with what error budgets.
public struct JudgePolicy: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable, Codable {
        /// Anytime-valid confidence sequences per metric: looks after every request, rolls back
        /// on evidence of harm, advances only on evidence of non-inferiority.
        case sequential
        /// Spinnaker Kayenta's NetflixACAJudge: Mann-Whitney per metric on bucketed series,
        /// a weighted score against pass and marginal thresholds, at each analysis interval.
        case kayenta
        /// Argo Rollouts / Flagger: each metric against its limit at each interval, rolling back
        /// after `failure_limit` failures in a row.
        case threshold
    }

    public enum OnInconclusive: String, Sendable, Equatable, CaseIterable, Codable {
        /// Hold the weight and wait for a human (automatic rollback stays armed), up to `hold`.
        case pause
        /// Send traffic back to the baseline at once.
        case rollback
    }

    /// What the sequential judge does when a step cannot decide before its limit at the current
    /// weight (a guardrail's evidence would need more time than the step has left).
    public enum OnStall: String, Sendable, Equatable, CaseIterable, Codable {
        /// Say so, and wait out the step's limit (then `on_inconclusive`).
        case hold
        /// Send traffic back to the baseline at once; the run ends inconclusive.
        case rollback
        /// Advance when every stalled metric's estimate is inside its margin (not proven);
        /// otherwise roll back.
        case promoteIfWithinMargin = "promote_if_within_margin"
    }

    public var kind: Kind = .sequential
    public var onStall: OnStall = .hold
    /// Chance of rolling back a canary that is not worse than its rollback tolerances (all
    /// metrics together).
    public var alphaRollback = 0.05
    /// Where the sequential judge's harm boundary sits, as a share of each metric's margin: it
    /// rolls back on evidence of harm beyond `rollbackTolerance` × the margin (a ratio r becomes
    /// 1 + t·(r − 1)) and promotes on evidence of harm below the margin. Between the two, it keeps
    /// watching. Below 1, a candidate just past its margin is caught instead of stalling until
    /// the hold runs out, and a plainly bad one sooner; the price is that a candidate between the
    /// tolerance and the margin may be rolled back although it was promotable.
    public var rollbackTolerance = 1.0 / 3
    /// Chance of promoting a canary that is worse than a guardrail's margin (each guardrail).
    public var alphaPromote = 0.05
    public var onInconclusive: OnInconclusive = .pause
    /// How long an inconclusive canary waits for a human before it ends inconclusive.
    public var hold: Double = 1800
    /// Kayenta: score needed to pass, and below which an intermediate judgment fails.
    public var pass: Double = 95
    public var marginal: Double = 75
    /// Kayenta: width of the time buckets that make up each metric's series.
    public var bucket: Double = 5

    public init() {}
}

/// What a metric is for, as Spotify's risk-aware decision rule frames it.
public enum MetricRole: String, Sendable, Codable, CaseIterable, Hashable {
    /// Must not be worse than the baseline by more than its margin (latency, errors, tokens, cost).
    case guardrail
    /// Quality: may be required to be non-inferior or better.
    case success
    /// A confirmed event fails the canary (leaks, violations).
    case critical
}

/// What a success metric must show before the canary may advance.
public enum SuccessRequirement: String, Sendable, Codable, CaseIterable, Hashable {
    case none
    case nonInferior = "non_inferior"
    case superior
}

public enum CanaryMetric: String, Sendable, Codable, CaseIterable, Hashable {
    case latencyP50 = "latency_p50"
    case latencyP95 = "latency_p95"
    case errorRate = "error_rate"
    case tokensPerRequest = "tokens_per_request"
    case costPerRequest = "cost_per_request"
    case quality
    /// Confirmed secret leaks or guardrail violations in the sampled answers.
    case criticalEvents = "critical_events"

    /// Whether a larger value is worse (latency, errors, tokens, cost) or better (quality).
    public var higherIsWorse: Bool { self != .quality }

    public var defaultRole: MetricRole {
        switch self {
        case .quality: .success
        case .criticalEvents: .critical
        default: .guardrail
        }
    }

    public var unit: String {
        switch self {
        case .latencyP50, .latencyP95: "ms"
        case .errorRate: "%"
        case .tokensPerRequest: "tok"
        case .costPerRequest: "$"
        case .quality, .criticalEvents: ""
        }
    }
}

/// One watched metric and its limit relative to the baseline (or absolute).
public struct MetricCheck: Sendable, Equatable, Codable {
    public var metric: CanaryMetric
    /// Canary may be at most `ratio` × baseline (for higher-is-worse metrics).
    public var maxRatio: Double?
    /// Canary may exceed baseline by at most this (absolute, in the metric's unit; rates as fractions).
    public var maxIncrease: Double?
    /// Canary may fall below baseline by at most this (for quality).
    public var maxDecrease: Double?
    /// Absolute ceiling for the canary.
    public var max: Double?
    /// Absolute floor for the canary.
    public var min: Double?
    public var role: MetricRole?
    /// For success metrics: what the sequential judge needs before the canary advances.
    public var require: SuccessRequirement?
    /// With a Prometheus metrics source: how this metric is read (the built-in query if nil).
    public var query: MetricQuery?
    /// The sequential judge's rollback boundary for this metric, as a share of its margin (the
    /// judge's `rollback_tolerance` if nil): for a change expected to cost more on one metric,
    /// say a longer prompt's tokens, whose margin is set to allow it.
    public var rollbackTolerance: Double?

    public var effectiveRole: MetricRole { role ?? metric.defaultRole }

    public init(
        metric: CanaryMetric, maxRatio: Double? = nil, maxIncrease: Double? = nil, maxDecrease: Double? = nil,
        max: Double? = nil, min: Double? = nil
    ) {
        self.metric = metric
        self.maxRatio = maxRatio
        self.maxIncrease = maxIncrease
        self.maxDecrease = maxDecrease
        self.max = max
        self.min = min
    }

    enum CodingKeys: String, CodingKey {
        case metric, max, min, role, require, query
        case maxRatio = "max_ratio"
        case maxIncrease = "max_increase"
        case maxDecrease = "max_decrease"
        case rollbackTolerance = "rollback_tolerance"
    }
}

/// `canary.publish`: a registered publisher kind's settings.
public struct PublishSpec: Sendable, Equatable {
    public var settings: any PublisherSettings

    public init(_ settings: any PublisherSettings) { self.settings = settings }

    public var name: String { type(of: settings).kind }

    public static func == (a: PublishSpec, b: PublishSpec) -> Bool { a.settings.isEqual(to: b.settings) }
}
