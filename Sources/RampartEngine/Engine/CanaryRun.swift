import RampartCore

/// The canary stage: ramps traffic through the steps, watches both arms, and ends promoted,
/// rolled back, inconclusive or aborted. Traffic always ends at 0% or 100%, never in between.
final class CanaryRun {
    let engine: Engine
    let spec: CanarySpec
    private var weight = 0.0
    private var paused = false
    private var candidateTotal = 0
    private var traffic: SeededRandom
    private let prompts: [GoldenItem]

    init(engine: Engine, spec: CanarySpec) {
        self.engine = engine
        self.spec = spec
        self.traffic = SeededRandom(seed: engine.options.seed, stream: "canary:traffic")
        self.prompts = engine.inputs.golden[spec.traffic.dataset] ?? []
    }

    private func publish(_ body: RunEvent.Body) { engine.publish(body) }

    private func setWeight(_ to: Double, reason: String) {
        guard to != weight else { return }
        publish(.weight(WeightChange(from: weight, to: to, reason: reason)))
        weight = to
    }

    private enum StepEnd {
        case advance
        case promoteNow(String)
        case stop(RunOutcome, String)
    }

    func execute() async -> (RunOutcome, String) {
        publish(.stage(StageChange(stage: StageName.canary, state: .running)))
        var index = 0
        while index < spec.steps.count {
            switch await runStep(index) {
            case .advance:
                index += 1
            case .promoteNow(let reason):
                publish(.stage(StageChange(stage: StageName.canary, state: .passed, reason: reason)))
                return engine.promote(reason: reason, from: weight)
            case .stop(let outcome, let reason):
                setWeight(0, reason: outcome == .inconclusive ? "no decision: traffic back to the baseline" : reason)
                publish(.stage(StageChange(stage: StageName.canary, state: .failed, reason: reason)))
                engine.skip([StageName.promote], because: reason)
                return (outcome, reason)
            }
        }
        let reason = "all \(spec.steps.count) canary steps held"
        publish(.stage(StageChange(stage: StageName.canary, state: .passed, reason: reason)))
        return engine.promote(reason: reason, from: weight)
    }

    private func runStep(_ index: Int) async -> StepEnd {
        let step = spec.steps[index]
        publish(.canaryStep(CanaryStepStarted(index: index, count: spec.steps.count, step: step)))
        setWeight(step.weight, reason: "step \(index + 1) of \(spec.steps.count)")
        var analyzer = ThresholdAnalyzer(checks: spec.metrics, failureLimit: spec.failureLimit, minSamples: spec.minSamples)
        var arms: [Variant: ArmAccumulator] = [.baseline: .init(), .candidate: .init()]
        let tick = engine.options.tick
        var t = engine.clock.now()
        var baked = 0.0
        var nextAnalysis = t + spec.analysisInterval
        var nextMetrics = t + engine.options.metricsEvery
        var judged = false
        var lastDecisionClean = false

        while true {
            for command in engine.takeCommands(now: t) {
                if let end = apply(command, step: index) { return end }
            }
            await serveTraffic(for: tick, into: &arms)
            t += tick
            do {
                try await engine.clock.sleep(until: t)
            } catch {
                let op = OperatorCommand(.abort, operator: engine.options.operator, reason: "the engine was cancelled")
                return apply(op, step: index) ?? .stop(.aborted, "cancelled")
            }
            if !paused { baked += tick }
            if t >= nextMetrics - 1e-9 {
                publishMetrics(index, &arms)
                nextMetrics += engine.options.metricsEvery
            }
            if t >= nextAnalysis - 1e-9 {
                nextAnalysis += spec.analysisInterval
                let analysis = analyzer.analyze(step: index, baseline: arms[.baseline]!.metrics(), candidate: arms[.candidate]!.metrics())
                publish(.analysis(analysis))
                if analysis.decision == .rollback {
                    return .stop(.rolledBack, "automatic rollback at step \(index + 1) (\(MetricFormat.percent(weight))): \(analysis.reason)")
                }
                let hasData = analysis.results.contains { $0.status != .noData }
                judged = judged || hasData
                lastDecisionClean = hasData && !analysis.results.contains { $0.status == .watching }
            }
            if paused { continue }
            let candidateRequests = arms[.candidate]!.requests
            if baked >= step.bake - 1e-9 && candidateRequests >= step.minRequests && (judged && lastDecisionClean || spec.metrics.isEmpty) {
                return index + 1 < spec.steps.count ? .advance : .promoteNow("all \(spec.steps.count) canary steps held")
            }
            if baked >= step.timeout - 1e-9 {
                let need = candidateRequests < step.minRequests
                    ? "only \(candidateRequests) of \(step.minRequests) candidate requests"
                    : (judged ? "metrics still under watch" : "too few requests to judge (need \(spec.minSamples) per arm)")
                return .stop(.inconclusive, "step \(index + 1) reached its \(DurationText.format(step.timeout)) limit without a decision: \(need)")
            }
        }
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
            record(true, "rolling back from \(MetricFormat.percent(weight)); \(candidateTotal) candidate requests served")
            return .stop(.rolledBack, "rolled back by \(who) at step \(step + 1)\(why)")
        case .abort:
            record(true, "aborting: traffic back to the baseline")
            return .stop(.aborted, "aborted by \(who) at step \(step + 1)\(why)")
        case .pause:
            guard !paused else { record(false, "already paused"); return nil }
            paused = true
            record(true, "holding at \(MetricFormat.percent(weight)); bake time stops, automatic rollback stays armed")
            publish(.stage(StageChange(stage: StageName.canary, state: .paused, reason: "paused by \(who)\(why)")))
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

    /// Poisson arrivals over `duration`, each sent to the candidate with probability weight/100.
    private func serveTraffic(for duration: Double, into arms: inout [Variant: ArmAccumulator]) async {
        guard !prompts.isEmpty else { return }
        let arrivals = traffic.poisson(mean: spec.traffic.rate * duration)
        for _ in 0..<arrivals {
            let variant: Variant = traffic.chance(weight / 100) ? .candidate : .baseline
            let item = prompts[traffic.index(below: prompts.count)]
            var vars = item.vars
            vars["input"] = item.input
            let request = ModelRequest(
                system: engine.systemPrompt(for: variant, vars: vars), user: item.input, ask: .golden(item), stream: "canary")
            let r = await engine.provider(variant).complete(request)
            let pricing = variant == .candidate ? engine.inputs.spec.candidate.pricing : engine.inputs.spec.baseline.pricing
            let quality = r.failed ? nil : TokenF1.score(r.text, references: item.references)
            arms[variant]!.record(
                latencyMs: r.latencyMs, failed: r.failed, tokens: r.promptTokens + r.completionTokens,
                cost: pricing.cost(promptTokens: r.promptTokens, completionTokens: r.completionTokens), quality: quality)
            if variant == .candidate { candidateTotal += 1 }
        }
    }

    private func publishMetrics(_ step: Int, _ arms: inout [Variant: ArmAccumulator]) {
        publish(.metrics(MetricsSnapshot(
            step: step, weight: weight, baseline: arms[.baseline]!.metrics(), candidate: arms[.candidate]!.metrics(),
            candidateTotal: candidateTotal)))
    }
}
