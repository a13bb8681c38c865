/// Decides a canary step from what the data plane observed. Pure: observations and times in,
/// an analysis out, so the same code judges a live run, a simulation and a what-if replay.
public protocol CanaryJudge: Sendable {
    var name: String { get }
    /// Whether the judge may be asked after every tick (anytime-valid) or only at the analysis
    /// interval (its error rates assume that cadence).
    var looksContinuously: Bool { get }
    /// Whether `analyze` decides on the step summaries it is given (the others only show them):
    /// the engine then leaves out the intervals its evidence guard found broken, as both arms
    /// failing at once says nothing about either version and only adds noise to a point estimate.
    var decidesOnSummaries: Bool { get }
    mutating func startStep(_ index: Int, weight: Double, at t: Double)
    mutating func observe(_ o: Observation, weight: Double, at t: Double)
    /// The verdict now. `baseline` and `candidate` are the step's summaries, for display.
    mutating func analyze(step: Int, at t: Double, baseline: ArmMetrics, candidate: ArmMetrics) -> CanaryAnalysis
    /// The verdict from a metrics backend's readings (Prometheus) instead of the observations.
    mutating func analyze(step: Int, at t: Double, readings: MetricReadings) -> CanaryAnalysis
}

extension CanaryJudge {
    public var decidesOnSummaries: Bool { false }
}

public enum Judges {
    public static func make(_ spec: CanarySpec) -> any CanaryJudge {
        switch spec.judge.kind {
        case .sequential: SequentialJudge(spec: spec)
        case .kayenta: KayentaJudge(spec: spec)
        case .threshold: ThresholdJudge(spec: spec)
        }
    }
}

/// Argo Rollouts / Flagger semantics behind the judge protocol.
public struct ThresholdJudge: CanaryJudge {
    private var analyzer: ThresholdAnalyzer
    private let criticalChecks: [MetricCheck]
    private var critical = 0
    public var name: String { "threshold" }
    public var looksContinuously: Bool { false }
    public var decidesOnSummaries: Bool { true }

    public init(spec: CanarySpec) {
        analyzer = ThresholdAnalyzer(
            checks: spec.metrics.filter { $0.effectiveRole != .critical }, failureLimit: spec.failureLimit, minSamples: spec.minSamples)
        criticalChecks = spec.metrics.filter { $0.effectiveRole == .critical }
    }

    public mutating func startStep(_ index: Int, weight: Double, at t: Double) {
        analyzer.resetForNewStep()
    }

    public mutating func observe(_ o: Observation, weight: Double, at t: Double) {
        if o.critical && o.variant == .candidate { critical += 1 }
    }

    public mutating func analyze(step: Int, at t: Double, baseline: ArmMetrics, candidate: ArmMetrics) -> CanaryAnalysis {
        var a = analyzer.analyze(step: step, baseline: baseline, candidate: candidate)
        a.judge = name
        if critical > 0 {
            a.decision = .rollback
            a.reason = "\(critical) critical event(s) in the candidate's answers"
        }
        let hasData = a.results.contains { $0.status != .noData }
        a.ready = a.decision == .continue && hasData && !a.results.contains { $0.status == .watching }
        return a
    }

    /// Each reading reduced to one value per arm and held against its limit. A metric with no
    /// data or a failed query is never a pass: the step cannot advance until it reads again.
    public mutating func analyze(step: Int, at t: Double, readings r: MetricReadings) -> CanaryAnalysis {
        var b = ArmMetrics(requests: r.baselineRequests ?? 0), c = ArmMetrics(requests: r.candidateRequests ?? 0)
        for check in analyzer.checks + criticalChecks {
            guard let reading = r.reading(check.metric) else { continue }
            let how = check.query?.aggregate ?? .mean
            b.set(check.metric, MetricReadings.reduce(reading.baseline, how))
            c.set(check.metric, MetricReadings.reduce(reading.candidate, how))
        }
        var a = analyzer.analyze(step: step, baseline: b, candidate: c)
        a.judge = name
        a.source = r.source
        if let events = c.criticalEvents, events > 0 {
            a.decision = .rollback
            a.reason = "\(events) critical event(s) reported for the candidate by \(r.source)"
        }
        let errors = r.errors
        if a.decision == .continue && (r.baselineRequests == nil || r.candidateRequests == nil) {
            // The analyzer counted missing as zero; say unknown rather than show a false 0.
            let need = "gathering data (need \(analyzer.minSamples) requests per arm; counts unknown)"
            a.reason = r.requestsError == nil ? "no request count from \(r.source) (its request count query returned no data); \(need)" : need
        }
        if a.decision == .continue && !errors.isEmpty {
            a.reason = "query failed: \(r.errorSummary ?? ""); " + a.reason
        }
        let complete = !a.results.contains { $0.status == .noData || $0.status == .watching }
        a.ready = a.decision == .continue && complete && errors.isEmpty && !a.results.isEmpty
        return a
    }
}
