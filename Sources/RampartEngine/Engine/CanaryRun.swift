import Foundation
import RampartCore
import Synchronization

/// The canary stage: ramps traffic through the steps, watches both arms, and ends promoted,
/// rolled back, inconclusive or aborted. Traffic always ends at 0% or 100%, never in between;
/// a router that cannot apply a weight forces 0% and ends the canary, loudly.
final class CanaryRun {
    let engine: Engine
    let spec: CanarySpec
    private var weight = 0.0
    private var paused = false
    private var live = LiveMetrics()
    private var judge: any CanaryJudge
    private let traffic: any CanaryTraffic
    private let router: any TrafficRouter
    /// The in-process split needs no report per change; real routers log every one.
    private let quietRouter: Bool
    /// A metrics backend to judge on; nil: the observations the data plane made.
    private let metricSource: (any MetricSource)?
    /// The last failures reported from the metrics source, so each change is logged once.
    private var sourceErrors: String?
    /// Holds the ramp, then rolls back, while both arms' evidence is broken.
    private var evidence: EvidenceGuard
    /// Counts a metrics backend reported in the step so far, for the guard's per-interval news.
    private var sourceCounts: [Variant: (requests: Int, errors: Int)] = [:]
    /// What a judge that decides on the step's summaries sees.
    private var summaries: SoundSummaries
    /// Sends each interval's observations to `canary.publish`, when the spec names one.
    private var publishing: IntervalPublisher?

    init(engine: Engine, spec: CanarySpec) {
        self.engine = engine
        self.spec = spec
        self.judge = Judges.make(spec)
        self.evidence = EvidenceGuard(settings: spec.evidenceGuard)
        self.summaries = SoundSummaries(settings: spec.evidenceGuard)
        // The proxy splits only behind the builtin router; behind nginx and the others it meters.
        if let plane = engine.dataPlane {
            traffic = plane.traffic
        } else {
            traffic = InProcessTraffic(engine: engine, spec: spec)
        }
        if let external = engine.parts.router {
            router = external
            quietRouter = false
        } else if let plane = engine.dataPlane {
            router = plane.router
            quietRouter = false
        } else {
            router = InProcessRouter()
            quietRouter = true
        }
        metricSource = engine.parts.metricSource
    }

    private func publish(_ body: RunEvent.Body) { engine.publish(body) }

    /// Requests the candidate has served so far, over every step.
    var candidateTotal: Int { live.candidateTotal }

    /// Applies a weight through the router. On failure, tries 0% and returns the error.
    private func setWeight(_ to: Double, reason: String) async -> RouterError? {
        guard to != weight else { return nil }
        do {
            try await router.setWeight(to)
        } catch {
            publish(.router(RouterReport(router: router.name, weight: to, ok: false, error: error.message, detail: router.detail)))
            if to != 0 { await forceZero(after: error) }
            return error
        }
        if !quietRouter { publish(.router(RouterReport(router: router.name, weight: to, ok: true, detail: router.detail))) }
        publish(.weight(WeightChange(from: weight, to: to, reason: reason)))
        weight = to
        return nil
    }

    /// Hands the final weight over to what outlives this process (nginx: the versions' own
    /// servers instead of the meters). A failure is loud: the weight is right, but it still
    /// flows through listeners that stop with the run.
    private func settle() async {
        do {
            try await router.settle(weight)
        } catch {
            publish(
                .router(
                    RouterReport(
                        router: router.name, weight: weight, ok: false,
                        error: "\(error.message); traffic still flows through Rampart's meters, which stop with this run", detail: router.detail)))
        }
    }

    /// After a failed change nobody knows where traffic is: send everything to the baseline.
    private func forceZero(after error: RouterError) async {
        do {
            try await router.setWeight(0)
            publish(.router(RouterReport(router: router.name, weight: 0, ok: true, detail: router.detail)))
            publish(.weight(WeightChange(from: weight, to: 0, reason: "router failed: forced to the baseline")))
            weight = 0
        } catch {
            publish(
                .router(
                    RouterReport(
                        router: router.name, weight: 0, ok: false,
                        error: "\(error.message); TRAFFIC STATE UNKNOWN, check \(router.detail) by hand", detail: router.detail)))
        }
    }

    private enum StepEnd {
        case advance
        case promoteNow(String)
        case stop(RunOutcome, String)
    }

    func execute() async -> (RunOutcome, String) {
        if let publisher = engine.parts.publisher, let settings = spec.publish?.settings {
            let engine = engine
            publishing = IntervalPublisher(
                publisher: publisher, interval: settings.interval, clock: engine.clock, start: engine.clock.now(),
                report: { sent in
                    // A backend's error text is shown and recorded: no secret goes with it.
                    var p = sent
                    p.error = p.error.map(engine.redactor.redact)
                    engine.publish(.published(p))
                })
        }
        let result = await ramp()
        // The last, partial window: the backend's view of the canary ends where the canary did.
        await publishing?.finish(at: engine.clock.now())
        return result
    }

    private func ramp() async -> (RunOutcome, String) {
        publish(
            .dataPlane(
                engine.dataPlane?.info
                    ?? DataPlaneStarted(
                        proxy: nil, baseline: "sim \(engine.inputs.spec.baseline.label)", candidate: "sim \(engine.inputs.spec.candidate.label)",
                        source: TrafficSpec.Source.sim.rawValue, rate: spec.traffic.rate, note: engine.options.trafficNote)))
        engine.dataPlane?.startLoad()
        publish(.stage(StageChange(stage: StageName.canary, state: .running)))
        do {
            try await router.prepare()
        } catch {
            publish(.router(RouterReport(router: router.name, weight: 0, ok: false, error: error.message, detail: router.detail)))
            return await stop(.aborted, "the \(router.name) router cannot start the canary: \(error.message)")
        }
        var index = 0
        while index < spec.steps.count {
            switch await runStep(index) {
            case .advance:
                index += 1
                engine.notifyMidRun(
                    .stepAdvanced,
                    reason: "canary advanced to step \(index + 1) of \(spec.steps.count) (\(MetricFormat.percent(spec.steps[index].weight)))")
            case .promoteNow(let reason):
                publish(.stage(StageChange(stage: StageName.canary, state: .passed, reason: reason)))
                return await promote(reason)
            case .stop(let outcome, let reason):
                return await stop(outcome, reason)
            }
        }
        let reason = "all \(spec.steps.count) canary steps held"
        publish(.stage(StageChange(stage: StageName.canary, state: .passed, reason: reason)))
        return await promote(reason)
    }

    private func promote(_ reason: String) async -> (RunOutcome, String) {
        publish(.stage(StageChange(stage: StageName.promote, state: .running)))
        if let error = await setWeight(100, reason: "promoted") {
            let why = "promotion failed: the \(router.name) router could not send 100%: \(error.message)"
            publish(.stage(StageChange(stage: StageName.promote, state: .failed, reason: why)))
            return (.rolledBack, why)
        }
        await settle()
        publish(.stage(StageChange(stage: StageName.promote, state: .passed, reason: "candidate serves 100% of traffic")))
        return (.promoted, reason)
    }

    private func stop(_ outcome: RunOutcome, _ reason: String) async -> (RunOutcome, String) {
        var reason = reason
        if let error = await setWeight(0, reason: outcome == .inconclusive ? "no decision: traffic back to the baseline" : reason) {
            reason += "; the router failed to restore the baseline (\(error.message)): TRAFFIC STATE UNKNOWN"
        } else {
            await settle()
        }
        publish(.stage(StageChange(stage: StageName.canary, state: .failed, reason: reason)))
        engine.skip([StageName.promote], because: reason)
        return (outcome, reason)
    }

    /// One step's loop state, on the engine clock.
    private struct StepProgress {
        let index: Int
        let step: CanaryStep
        let start: Double
        var t: Double
        /// Active (unpaused, evidence sound) seconds in the step.
        var baked = 0.0
        var nextAnalysis: Double
        var nextMetrics: Double
        /// The judge has what it needs for the step to advance.
        var ready = false
        /// A rollback is near: the next tick is a tenth of the engine's.
        var lookingClosely = false
        var lastPublished: CanaryAnalysis?
        /// Set while an inconclusive step waits for a human: when the wait ends.
        var holdUntil: Double?
        /// Active time at which the step is inconclusive; a resume from a hold extends it.
        var timeoutAt: Double
        /// Set while the evidence guard holds the ramp.
        var brokenEvidence = false
        /// The step was found unable to decide before its limit (said once per step).
        var stalled = false
        /// Candidate requests in the step as the metrics source counted them.
        var sourceCandidate = 0
        /// A metrics source is read in the background, so a slow or hung server never holds up
        /// the tick loop (operator commands, automatic rollback on what the meter sees). Each
        /// step has its own box, so a read that finishes after its step ends is dropped.
        let readBox = ReadingsBox()
        var readInFlight = false
    }

    /// Sets the step's weight, then ticks until the step advances, promotes or stops: commands,
    /// traffic, analysis, then whether the step is done.
    private func runStep(_ index: Int) async -> StepEnd {
        let step = spec.steps[index]
        publish(.canaryStep(CanaryStepStarted(index: index, count: spec.steps.count, step: step)))
        if let error = await setWeight(step.weight, reason: "step \(index + 1) of \(spec.steps.count)") {
            return .stop(.rolledBack, "the \(router.name) router failed at step \(index + 1): \(error.message)")
        }
        live.startStep(index)
        summaries.startStep()
        let now = engine.clock.now()
        var p = StepProgress(
            index: index, step: step, start: now, t: now, nextAnalysis: now + spec.analysisInterval,
            nextMetrics: now + engine.options.metricsEvery, timeoutAt: step.timeout)
        judge.startStep(index, weight: weight, at: now)
        sourceCounts = [:]
        while true {
            if let end = takeCommands(&p) { return end }
            if let end = await tick(&p) { return end }
            if let end = await analyze(&p) { return end }
            if let end = endOfStep(&p) { return end }
        }
    }

    private func takeCommands(_ p: inout StepProgress) -> StepEnd? {
        for command in engine.takeCommands(now: p.t) {
            if let end = apply(command, step: p.index) { return end }
            if p.holdUntil != nil && !paused {
                p.holdUntil = nil
                p.timeoutAt = p.baked + p.step.timeout
            }
        }
        return nil
    }

    /// One tick of traffic on the engine clock: observations recorded (and judged, unless a
    /// metrics source is the judge's evidence), bake time counted, snapshots published.
    private func tick(_ p: inout StepProgress) async -> StepEnd? {
        let dt = engine.options.tick / (p.lookingClosely ? 10 : 1)
        let observations = await traffic.collect(over: dt, weight: weight)
        p.t += dt
        do {
            try await engine.clock.sleep(until: p.t)
        } catch {
            let op = OperatorCommand(.abort, operator: engine.options.operator, reason: "the engine was cancelled")
            return apply(op, step: p.index) ?? .stop(.aborted, "cancelled")
        }
        if !observations.isEmpty { publish(.observations(ObservationBatch(weight: weight, observations: observations))) }
        publishing?.observe(observations, at: p.t)
        if metricSource == nil && judge.decidesOnSummaries { summaries.record(tick: observations) }
        for o in observations {
            live.record(o, at: p.t)
            // A judge reading Prometheus decides on its readings alone: the meter's requests
            // are the same requests, and counting both would count them twice.
            if metricSource == nil {
                judge.observe(o, weight: weight, at: p.t)
                evidence.observe(o)
            }
        }
        if !paused && !p.brokenEvidence { p.baked += dt }
        if p.t >= p.nextMetrics - 1e-9 {
            publish(.metrics(live.snapshot(weight: weight, at: p.t)))
            p.nextMetrics += engine.options.metricsEvery
        }
        return nil
    }

    /// The judge's view: at each analysis interval, every tick for an anytime-valid judge, or
    /// when a metrics source's reading arrives. A rollback decision ends the step.
    private func analyze(_ p: inout StepProgress) async -> StepEnd? {
        let due = p.t >= p.nextAnalysis - 1e-9
        if due { p.nextAnalysis += spec.analysisInterval }
        if due && metricSource == nil, let end = checkEvidence(step: p.index, holding: &p.brokenEvidence) { return end }
        if due && metricSource == nil && judge.decidesOnSummaries && !summaries.closeInterval(broken: p.brokenEvidence) { return nil }
        var next: CanaryAnalysis?
        var scheduled = due
        if let metricSource {
            if due && !p.readInFlight {
                p.readInFlight = true
                let clock = engine.clock
                if clock.standsStillForIO {
                    // Virtual time: the answer arrives at the instant it was asked for, as a
                    // simulated run of minutes would otherwise finish before the first read.
                    let r = await metricSource.read(stepStart: p.start, now: p.t, clock: clock)
                    p.readBox.value.withLock { $0 = r }
                } else {
                    // Real time: the canary's ticks go on while the backend answers.
                    Task { [readBox = p.readBox, stepStart = p.start, t = p.t] in
                        let r = await metricSource.read(stepStart: stepStart, now: t, clock: clock)
                        readBox.value.withLock { $0 = r }
                    }
                }
            }
            if let readings = p.readBox.take() {
                p.readInFlight = false
                reportSource(readings)
                if let alarm = readings.alarms?.first {
                    return .stop(.rolledBack, "automatic rollback at step \(p.index + 1) (\(MetricFormat.percent(weight))): alarm \(alarm)")
                }
                countFromSource(readings)
                if let end = checkEvidence(step: p.index, holding: &p.brokenEvidence) { return end }
                p.sourceCandidate = readings.candidateRequests ?? p.sourceCandidate
                next = judge.analyze(step: p.index, at: p.t, readings: readings)
                scheduled = true
            }
        } else if judge.decidesOnSummaries {
            if due { next = judge.analyze(step: p.index, at: p.t, baseline: summaries.arm(.baseline), candidate: summaries.arm(.candidate)) }
        } else if due || judge.looksContinuously {
            next = judge.analyze(step: p.index, at: p.t, baseline: live.arm(.baseline), candidate: live.arm(.candidate))
        }
        guard let analysis = next else { return nil }
        p.lookingClosely = judge.looksContinuously && metricSource == nil && CanaryRun.rollbackNear(analysis)
        // An anytime-valid judge looks every tick (ten a tick near a rollback); the log gets its
        // view at each interval and whenever its call changes.
        let changed = analysis.decision != p.lastPublished?.decision || analysis.ready != p.lastPublished?.ready
        if scheduled || changed {
            publish(.analysis(analysis))
            p.lastPublished = analysis
        }
        if analysis.decision == .rollback {
            return .stop(
                .rolledBack,
                "automatic rollback at step \(p.index + 1) (\(MetricFormat.percent(weight))) by the \(judge.name) judge: \(analysis.reason)")
        }
        p.ready = analysis.ready ?? false
        return nil
    }

    /// Whether an anytime-valid judge's evidence of harm is within a factor of ten of its
    /// boundary. The engine then looks ten times as often: a judge that may decide after any
    /// request should not let a tick's worth of the candidate's requests through once it is
    /// about to, and looking more often costs an anytime-valid test nothing. Far from the
    /// boundary (most of any canary) the tick stays as it is.
    static func rollbackNear(_ a: CanaryAnalysis) -> Bool {
        guard let e = a.rollbackEvidence, let boundary = a.rollbackBoundary else { return false }
        return e >= boundary - Foundation.log(10)
    }

    /// Whether the step is done: a hold for a human settled or expired, the step baked with
    /// enough evidence, or its time limit reached (inconclusive, or a hold when the spec wants one).
    private func endOfStep(_ p: inout StepProgress) -> StepEnd? {
        if let until = p.holdUntil {
            // Evidence that arrives during the wait settles it, if evidence was what was missing.
            if p.ready && live.arm(.candidate).requests >= p.step.minRequests {
                p.holdUntil = nil
                resume(reason: "the evidence arrived while waiting: \(p.lastPublished?.reason ?? "ready")")
            } else if p.t >= until - 1e-9 {
                return .stop(
                    .inconclusive, "step \(p.index + 1) was inconclusive and no one decided within \(DurationText.format(spec.judge.hold))")
            } else {
                return nil
            }
        }
        if paused || p.brokenEvidence { return nil }
        let candidateRequests = max(live.arm(.candidate).requests, p.sourceCandidate)
        if p.baked >= p.step.bake - 1e-9 && candidateRequests >= p.step.minRequests && (p.ready || spec.metrics.isEmpty) {
            return p.index + 1 < spec.steps.count ? .advance : .promoteNow("all \(spec.steps.count) canary steps held")
        }
        if let end = checkStall(&p, candidateRequests: candidateRequests) { return end }
        guard p.baked >= p.timeoutAt - 1e-9 else { return nil }
        let need =
            candidateRequests < p.step.minRequests
            ? "only \(candidateRequests) of \(p.step.minRequests) candidate requests"
            : (p.lastPublished.map { "the \(judge.name) judge: \($0.reason)" } ?? "no analysis yet")
        let reason = "step \(p.index + 1) reached its \(DurationText.format(p.step.timeout)) limit without a decision: \(need)"
        if spec.judge.onInconclusive == .rollback || spec.judge.hold <= 0 {
            return .stop(.inconclusive, reason)
        }
        paused = true
        p.holdUntil = p.t + spec.judge.hold
        publish(
            .stage(
                StageChange(
                    stage: StageName.canary, state: .paused,
                    reason:
                        "\(reason); holding at \(MetricFormat.percent(weight)) for a human for up to \(DurationText.format(spec.judge.hold)) (promote or roll back; automatic rollback stays armed)"
                )))
        engine.notifyMidRun(.paused, reason: "\(reason); waiting for a human")
        return nil
    }

    /// Once the step has baked, whether its judge can still decide before the step's limit; if
    /// not, it is said at once and `on_stall` decides: wait out the limit, roll back, or advance
    /// on estimates inside the margin.
    private func checkStall(_ p: inout StepProgress, candidateRequests: Int) -> StepEnd? {
        // Only the sequential judge says how long its evidence needs.
        guard spec.judge.kind == .sequential, !p.stalled, p.holdUntil == nil, p.baked >= p.step.bake - 1e-9, let analysis = p.lastPublished,
            let stall = StallCheck.assess(analysis, checks: spec.metrics, secondsLeft: max(0, p.timeoutAt - p.baked))
        else { return nil }
        p.stalled = true
        let what = "step \(p.index + 1) stalled at \(MetricFormat.percent(weight)): \(stall.reason)"
        switch spec.judge.onStall {
        case .hold:
            publish(
                .stage(
                    StageChange(
                        stage: StageName.canary, state: .running,
                        reason: "\(what); waiting out the step's limit (on_stall: hold), then \(spec.judge.onInconclusive.rawValue)")))
            return nil
        case .rollback:
            return .stop(.inconclusive, "\(what); traffic sent back to the baseline (on_stall: rollback)")
        case .promoteIfWithinMargin:
            guard stall.withinMargin, candidateRequests >= p.step.minRequests else {
                let why = stall.withinMargin ? "too few candidate requests to advance" : "an estimate is past its margin"
                return .stop(.inconclusive, "\(what); \(why): traffic sent back to the baseline (on_stall: promote_if_within_margin)")
            }
            let reason = "\(what); advancing on estimates inside the margin, not on evidence (on_stall: promote_if_within_margin)"
            publish(.stage(StageChange(stage: StageName.canary, state: .running, reason: reason)))
            return p.index + 1 < spec.steps.count ? .advance : .promoteNow(reason)
        }
    }

    /// Closes the guard's interval. Broken evidence holds the ramp (the step neither bakes nor
    /// advances) and, after `failure_limit` broken intervals in a row, rolls back: a canary never
    /// ramps on evidence that cannot tell the versions apart.
    private func checkEvidence(step index: Int, holding: inout Bool) -> StepEnd? {
        switch evidence.check() {
        case .quiet:
            return nil
        case .healthy:
            if holding {
                holding = false
                publish(
                    .stage(
                        StageChange(stage: StageName.canary, state: .running, reason: "evidence sound again: both arms answering; the ramp goes on")))
            }
            return nil
        case .broken(let reason, let intervals, let total):
            let lasted = Double(intervals) * spec.analysisInterval
            let patience = spec.evidenceGuard.patience
            if total ? intervals >= spec.failureLimit : lasted >= patience {
                let span =
                    total
                    ? "\(intervals) analysis intervals in a row" : "for \(DurationText.format(lasted)) (patience \(DurationText.format(patience)))"
                return .stop(
                    .rolledBack,
                    "EVIDENCE BROKEN at step \(index + 1) (\(MetricFormat.percent(weight))): \(reason), \(span); the comparison cannot be trusted"
                )
            }
            if !holding {
                holding = true
                let left = spec.failureLimit - intervals
                let then =
                    total
                    ? "rolling back after \(left) more broken interval\(left == 1 ? "" : "s")"
                    : "a shared incident? rolling back if it lasts \(DurationText.format(patience))"
                publish(
                    .stage(
                        StageChange(
                            stage: StageName.canary, state: .paused,
                            reason: "EVIDENCE BROKEN: \(reason); ramp held at \(MetricFormat.percent(weight)), \(then)")))
                engine.notifyMidRun(.paused, reason: "canary evidence broken: \(reason)")
            }
            return nil
        }
    }

    /// Feeds the guard what a metrics backend counted since its last reading.
    private func countFromSource(_ r: MetricReadings) {
        for (variant, n, e) in [(Variant.baseline, r.baselineRequests, r.baselineErrors), (.candidate, r.candidateRequests, r.candidateErrors)] {
            guard let n else { continue }
            let last = sourceCounts[variant] ?? (0, 0)
            let errors = e ?? last.errors
            sourceCounts[variant] = (n, errors)
            guard n >= last.requests, errors >= last.errors else { continue }
            evidence.add(variant, requests: n - last.requests, failures: e == nil ? 0 : errors - last.errors)
        }
    }

    /// Logs a metrics source's failures when they start, change or clear; not at every analysis.
    private func reportSource(_ r: MetricReadings) {
        let summary = r.errorSummary
        guard summary != sourceErrors else { return }
        sourceErrors = summary
        publish(.metricSource(MetricSourceReport(source: r.source, ok: summary == nil, error: summary)))
    }

    /// Applies one operator command inside the canary; returns how the step ends, if it does.
    private func apply(_ command: OperatorCommand, step: Int) -> StepEnd? {
        let who = command.operator
        let why = command.reason.map { ": \($0)" } ?? ""
        func record(_ accepted: Bool, _ note: String) {
            publish(.operatorAction(OperatorAction(command: command, accepted: accepted, note: note)))
        }
        switch command.kind {
        case .promote:
            if step + 1 < spec.steps.count {
                record(true, "advancing to step \(step + 2) of \(spec.steps.count)")
                if paused { resume(reason: "promoted") }
                return .advance
            }
            record(true, "last step: promoting")
            return .promoteNow("promoted by \(who) at step \(step + 1)\(why)")
        case .promoteFully:
            record(true, "promoting to 100% from \(MetricFormat.percent(weight))")
            return .promoteNow("promoted fully by \(who) at step \(step + 1)\(why)")
        case .rollback:
            record(true, "rolling back from \(MetricFormat.percent(weight)); \(live.candidateTotal) candidate requests served")
            return .stop(.rolledBack, "rolled back by \(who) at step \(step + 1)\(why)")
        case .abort:
            record(true, "aborting: traffic back to the baseline")
            return .stop(.aborted, "aborted by \(who) at step \(step + 1)\(why)")
        case .pause:
            guard !paused else { record(false, "already paused"); return nil }
            paused = true
            record(true, "holding at \(MetricFormat.percent(weight)); bake time stops, automatic rollback stays armed")
            publish(.stage(StageChange(stage: StageName.canary, state: .paused, reason: "paused by \(who)\(why)")))
            engine.notifyMidRun(.paused, reason: "canary paused by \(who) at \(MetricFormat.percent(weight))\(why)")
        case .resume:
            guard paused else { record(false, "not paused"); return nil }
            record(true, "resuming at \(MetricFormat.percent(weight))")
            resume(reason: "resumed by \(who)")
        }
        return nil
    }

    private func resume(reason: String) {
        paused = false
        publish(.stage(StageChange(stage: StageName.canary, state: .running, reason: reason)))
    }
}

/// Where a background read of the metrics source leaves its answer for the tick loop.
private final class ReadingsBox: Sendable {
    let value = Mutex<MetricReadings?>(nil)

    /// The reading that arrived, if one did, leaving the box empty.
    func take() -> MetricReadings? {
        value.withLock { v in
            defer { v = nil }
            return v
        }
    }
}
