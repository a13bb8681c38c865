/// One state change of a run. Events are the engine's only output: the recorder, the headless
/// printer and the dashboard are all just consumers, so a recording is complete by construction
/// and a replay renders through the same code as a live run.
public struct RunEvent: Sendable, Equatable {
    /// Seconds since the run started, on the engine's clock.
    public var t: Double
    public var body: Body

    public init(t: Double, _ body: Body) {
        self.t = t
        self.body = body
    }

    /// Indirect: the payloads differ a lot in size (a metrics snapshot is about 800 bytes, a
    /// stage change a few words), and inline every event took the largest one's room; a day's
    /// recording held in memory for replay was mostly padding.
    public indirect enum Body: Sendable, Equatable {
        case runStarted(RunStarted)
        case stage(StageChange)
        case buildStep(BuildStepResult)
        case gate(GateResult)
        case canaryStep(CanaryStepStarted)
        case weight(WeightChange)
        case metrics(MetricsSnapshot)
        case analysis(CanaryAnalysis)
        case operatorAction(OperatorAction)
        case notification(NotificationSent)
        /// One interval of Rampart's own measurements sent to a metrics backend (`canary.publish`).
        case published(MetricsPublished)
        case router(RouterReport)
        case dataPlane(DataPlaneStarted)
        /// A metrics source (Prometheus) started failing, changed how, or recovered.
        case metricSource(MetricSourceReport)
        /// Every request of one tick, for what-if re-judging; no screen shows them.
        case observations(ObservationBatch)
        case finished(RunFinished)
    }

    /// Decisions are flushed to disk at once by the recorder, so a crash loses none of them.
    public var isDecision: Bool {
        switch body {
        case .stage, .gate, .canaryStep, .weight, .operatorAction, .router, .finished: true
        case .metricSource(let m): !m.ok
        case .analysis(let a): a.decision == .rollback
        case .published(let p): !p.ok
        case .runStarted, .buildStep, .metrics, .notification, .dataPlane, .observations: false
        }
    }
}

public struct RunStarted: Sendable, Equatable, Codable {
    public var pipeline: String
    public var baseline: String
    public var candidate: String
    public var stages: [String]
    public var seed: UInt64
    public var `operator`: String
    /// The canary's ramp and watched metrics, so a viewer can show the plan before it unfolds.
    public var canarySteps: [CanaryStep]?
    public var canaryMetrics: [MetricCheck]?
    /// Where `rampart promote|rollback|pause|resume|status` reach this run.
    public var controlSocket: String?

    public init(
        pipeline: String, baseline: String, candidate: String, stages: [String], seed: UInt64, operator: String,
        canarySteps: [CanaryStep]? = nil, canaryMetrics: [MetricCheck]? = nil, controlSocket: String? = nil
    ) {
        self.controlSocket = controlSocket
        self.pipeline = pipeline
        self.baseline = baseline
        self.candidate = candidate
        self.stages = stages
        self.seed = seed
        self.operator = `operator`
        self.canarySteps = canarySteps
        self.canaryMetrics = canaryMetrics
    }

    enum CodingKeys: String, CodingKey {
        case pipeline, baseline, candidate, stages, seed
        case `operator`
        case canarySteps = "canary_steps"
        case canaryMetrics = "canary_metrics"
        case controlSocket = "control_socket"
    }
}

public struct StageChange: Sendable, Equatable, Codable {
    public var stage: String
    public var state: StageState
    public var reason: String?

    public init(stage: String, state: StageState, reason: String? = nil) {
        self.stage = stage
        self.state = state
        self.reason = reason
    }
}

public struct BuildStepResult: Sendable, Equatable, Codable {
    public var name: String
    public var exitCode: Int32
    public var timedOut: Bool
    /// Wall-clock seconds the command took (not the engine's clock: builds are real work).
    public var duration: Double
    /// The last lines of combined stdout and stderr.
    public var output: [String]

    public var succeeded: Bool { exitCode == 0 && !timedOut }

    public init(name: String, exitCode: Int32, timedOut: Bool, duration: Double, output: [String]) {
        self.name = name
        self.exitCode = exitCode
        self.timedOut = timedOut
        self.duration = duration
        self.output = output
    }

    enum CodingKeys: String, CodingKey {
        case name, duration, output
        case exitCode = "exit_code"
        case timedOut = "timed_out"
    }
}

public struct CanaryStepStarted: Sendable, Equatable, Codable {
    public var index: Int
    public var count: Int
    public var step: CanaryStep

    public init(index: Int, count: Int, step: CanaryStep) {
        self.index = index
        self.count = count
        self.step = step
    }
}

public struct WeightChange: Sendable, Equatable, Codable {
    public var from: Double
    public var to: Double
    public var reason: String

    public init(from: Double, to: Double, reason: String) {
        self.from = from
        self.to = to
        self.reason = reason
    }
}

public struct OperatorAction: Sendable, Equatable, Codable {
    public var command: OperatorCommand
    /// Whether the engine acted on it; a promote outside the canary, say, is refused and says why.
    public var accepted: Bool
    public var note: String

    public init(command: OperatorCommand, accepted: Bool, note: String) {
        self.command = command
        self.accepted = accepted
        self.note = note
    }
}

/// One publishing interval's metrics sent to a backend, or why they were not. A failure never
/// touches the canary's decision (the judge reads Rampart's own observations or its metrics
/// source), but it is shown: a dashboard or alarm built on these metrics would be missing data.
public struct MetricsPublished: Sendable, Equatable, Codable {
    /// Where, such as `cloudwatch Rampart/Canary in eu-west-1`.
    public var sink: String
    /// The window published, in engine seconds (a call may finish well after its window).
    public var from: Double
    public var to: Double
    /// Requests covered, per version.
    public var baselineRequests: Int
    public var candidateRequests: Int
    public var ok: Bool
    public var error: String?

    public init(sink: String, from: Double, to: Double, baselineRequests: Int, candidateRequests: Int, ok: Bool, error: String? = nil) {
        self.sink = sink
        self.from = from
        self.to = to
        self.baselineRequests = baselineRequests
        self.candidateRequests = candidateRequests
        self.ok = ok
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case sink, ok, error, from, to
        case baselineRequests = "baseline_requests"
        case candidateRequests = "candidate_requests"
    }
}

public struct NotificationSent: Sendable, Equatable, Codable {
    public var channel: String
    public var trigger: NotificationTrigger
    public var delivered: Bool
    public var error: String?

    public init(channel: String, trigger: NotificationTrigger, delivered: Bool, error: String? = nil) {
        self.channel = channel
        self.trigger = trigger
        self.delivered = delivered
        self.error = error
    }
}

public struct RunFinished: Sendable, Equatable, Codable {
    public var outcome: RunOutcome
    public var reason: String

    public init(outcome: RunOutcome, reason: String) {
        self.outcome = outcome
        self.reason = reason
    }
}

/// What a traffic router did with a weight change. A failure is loud: the engine then sends the
/// router weight 0 and ends the canary, so traffic is never left somewhere unknown.
public struct RouterReport: Sendable, Equatable, Codable {
    public var router: String
    public var weight: Double
    public var ok: Bool
    public var error: String?
    /// What the router touched: the proxy, a file path, a command line.
    public var detail: String?

    public init(router: String, weight: Double, ok: Bool, error: String? = nil, detail: String? = nil) {
        self.router = router
        self.weight = weight
        self.ok = ok
        self.error = error
        self.detail = detail
    }
}

public struct MetricSourceReport: Sendable, Equatable, Codable {
    public var source: String
    public var ok: Bool
    public var error: String?

    public init(source: String, ok: Bool, error: String? = nil) {
        self.source = source
        self.ok = ok
        self.error = error
    }
}

/// Where canary traffic flows in this run, published when the data plane is up.
public struct DataPlaneStarted: Sendable, Equatable, Codable {
    /// `host:port` of the weighted proxy; nil for in-process traffic.
    public var proxy: String?
    public var baseline: String
    public var candidate: String
    public var source: String
    /// Synthetic requests per second, when Rampart generates the load.
    public var rate: Double?
    /// Why the run uses this data plane rather than the spec's, when they differ.
    public var note: String?
    /// Behind an external router: the proxy's per-version meter listeners, and where the load goes.
    public var meter: String?
    public var target: String?
    /// The router that splits traffic, when it is not Rampart's proxy (`nginx`).
    public var router: String?

    public init(
        proxy: String?, baseline: String, candidate: String, source: String, rate: Double?, note: String? = nil, meter: String? = nil,
        target: String? = nil, router: String? = nil
    ) {
        self.meter = meter
        self.target = target
        self.router = router
        self.proxy = proxy
        self.baseline = baseline
        self.candidate = candidate
        self.source = source
        self.rate = rate
        self.note = note
    }
}
