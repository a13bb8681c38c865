/// What a run is at a moment, folded from its events: the one fold every front end shares.
///
/// The dashboard, the control socket's `status`, the headless summary, the audit record and
/// replay all read this, so they cannot disagree about a stage's state, the weight or the
/// outcome. A value, updated by `apply`; the same events always give the same state.
public struct RunState: Sendable, Equatable {
    public var pipeline = ""
    public var baseline = ""
    public var candidate = ""
    /// The stages in pipeline order (build, gates, canary, promote) as the run announced them;
    /// a stage the announcement missed is added where it first appears.
    public var stages: [String] = []
    public var stageStates: [String: StageState] = [:]
    public var stageReasons: [String: String] = [:]
    /// Engine time each stage first ran and last ended (passed, failed or skipped).
    public var stageStarted: [String: Double] = [:]
    public var stageEnded: [String: Double] = [:]
    /// Each gate's verdict, and the order they reported in.
    public var gates: [String: GateResult] = [:]
    public var gateOrder: [String] = []
    /// The canary's steps as the spec set them, and the metrics it watches.
    public var steps: [CanaryStep] = []
    public var canaryMetrics: [MetricCheck] = []
    public var stepCount = 0
    /// Zero-based index of the step in progress; nil before the canary.
    public var currentStep: Int?
    public var stepStartedAt = 0.0
    /// Engine time the canary was paused, while it is; paused time so far in this step.
    public var pausedAt: Double?
    public var pausedTotal = 0.0
    /// The candidate's share of traffic, in percent.
    public var weight = 0.0
    public var latest: MetricsSnapshot?
    /// The step's latest analysis; cleared when a step starts.
    public var analysis: CanaryAnalysis?
    /// The latest analysis' reason, kept across steps.
    public var lastDecision: String?
    /// Where the canary's traffic flows, once the data plane is up.
    public var dataPlane: DataPlaneStarted?
    public var controlSocket: String?
    public var finished: RunFinished?
    /// The engine clock at the last event.
    public var engineTime = 0.0

    public init() {}

    /// The state after `events`, from the beginning.
    public init(events: some Sequence<RunEvent>) {
        for e in events { apply(e) }
    }

    public mutating func apply(_ e: RunEvent) {
        engineTime = e.t
        switch e.body {
        case .runStarted(let r):
            pipeline = r.pipeline
            baseline = r.baseline
            candidate = r.candidate
            stages = r.stages
            for stage in r.stages where stageStates[stage] == nil { stageStates[stage] = .pending }
            steps = r.canarySteps ?? []
            stepCount = steps.count
            canaryMetrics = r.canaryMetrics ?? []
            controlSocket = r.controlSocket
        case .stage(let c):
            apply(c, at: e.t)
        case .gate(let g):
            if gates[g.name] == nil { gateOrder.append(g.name) }
            gates[g.name] = g
        case .canaryStep(let c):
            currentStep = c.index
            stepCount = c.count
            if steps.count <= c.index { steps.append(c.step) }
            stepStartedAt = e.t
            pausedTotal = 0
            pausedAt = paused ? e.t : nil
            analysis = nil
        case .weight(let w):
            weight = w.to
        case .metrics(let m):
            latest = m
        case .analysis(let a):
            analysis = a
            lastDecision = a.reason
        case .dataPlane(let d):
            dataPlane = d
        case .finished(let f):
            finished = f
        case .buildStep, .operatorAction, .notification, .published, .router, .metricSource, .observations:
            break
        }
    }

    private mutating func apply(_ c: StageChange, at t: Double) {
        if !stages.contains(c.stage) { stages.append(c.stage) }
        let before = stageStates[c.stage]
        stageStates[c.stage] = c.state
        stageReasons[c.stage] = c.reason
        if c.state == .running, stageStarted[c.stage] == nil { stageStarted[c.stage] = t }
        if [.passed, .failed, .skipped].contains(c.state) { stageEnded[c.stage] = t }
        guard c.stage == StageName.canary else { return }
        if c.state == .paused { pausedAt = t }
        if before == .paused, c.state != .paused, let at = pausedAt {
            pausedTotal += t - at
            pausedAt = nil
        }
    }

    /// The canary is live: traffic is split and a decision is still to come.
    public var canaryLive: Bool {
        finished == nil && (stageStates[StageName.canary] == .running || stageStates[StageName.canary] == .paused)
    }

    public var paused: Bool { stageStates[StageName.canary] == .paused }

    /// Seconds the current step has baked on the engine clock (paused time excluded).
    public var baked: Double {
        let pausedNow = pausedAt.map { engineTime - $0 } ?? 0
        return max(0, engineTime - stepStartedAt - pausedTotal - pausedNow)
    }

    /// Seconds until the current step may advance, and until the last step ends (bake times only).
    public var eta: (step: Double, total: Double)? {
        guard let i = currentStep, i < steps.count, canaryLive else { return nil }
        let step = max(0, steps[i].bake - baked)
        return (step, step + steps[(i + 1)...].reduce(0) { $0 + $1.bake })
    }

    /// Requests the candidate has served over the whole canary.
    public var candidateTotal: Int { latest?.candidateTotal ?? 0 }

    /// Engine seconds a stage has run: to its end, or to now while it runs; nil if it never ran.
    public func duration(of stage: String) -> Double? {
        stageStarted[stage].map { (stageEnded[stage] ?? engineTime) - $0 }
    }
}
