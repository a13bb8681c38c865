import Foundation
import RampartCore
import Synchronization

/// Options for one run that do not belong in the spec.
public struct RunOptions: Sendable {
    public var seed: UInt64
    public var `operator`: String
    /// Operator commands to apply at set times (scripted runs, reproducible recordings, tests).
    public var schedule: [ScheduledCommand]
    /// Where the run is recorded, for notifications to point at.
    public var runFile: String?
    /// Gate responses are served from and stored in this cache (never canary traffic).
    public var cache: ResponseCache?
    /// Granularity of the canary loop on the engine's clock: traffic, commands and timers advance per tick.
    public var tick: Double
    /// How often a metrics snapshot is published during the canary.
    public var metricsEvery: Double
    /// Why canary traffic runs in process when the spec asked for HTTP (say, a virtual clock).
    public var trafficNote: String?
    /// The control socket this run listens on, announced in its first event.
    public var controlSocket: String?
    /// The environment the run may read: API keys, secret values to mask, a metrics backend's
    /// token. The CLI passes the process's; the engine never reads it on its own.
    public var environment: [String: String] = [:]
    /// Waits between retries of a real endpoint, in real seconds whatever the engine's clock
    /// (a virtual clock must not turn a server's `Retry-After` into a hammering). Injected in tests.
    public var realWait: @Sendable (Double) async -> Void = { try? await Task.sleep(for: .seconds($0)) }
    /// What happens to both versions' in-process sim traffic at once (`rampart simulate --incident`).
    public var incidents: [SharedIncident] = []

    public init(
        seed: UInt64, operator: String, schedule: [ScheduledCommand] = [], runFile: String? = nil, tick: Double = 1,
        metricsEvery: Double = 5, cache: ResponseCache? = nil, trafficNote: String? = nil, environment: [String: String] = [:]
    ) {
        self.environment = environment
        self.trafficNote = trafficNote
        self.cache = cache
        self.seed = seed
        self.operator = `operator`
        self.schedule = schedule.sorted { $0.at < $1.at }
        self.runFile = runFile
        self.tick = tick
        self.metricsEvery = metricsEvery
    }
}

/// Runs a pipeline: build → gates → canary → promote, publishing every state change as a
/// `RunEvent` on its `EventBus` and taking operator commands through `send(_:)`.
///
/// Nothing else leaves the engine: consumers (recorder, printer, dashboard) subscribe to the bus.
public final class Engine: Sendable {
    public let inputs: PipelineInputs
    public let bus: EventBus
    let clock: any EngineClock
    let options: RunOptions
    /// Providers, notifiers, remote scorers, router, metrics source and data plane.
    let parts: RunParts
    let judgeCallsLeft: Mutex<Int>
    /// Masks secret values in recorded command output.
    let redactor: Redactor
    var dataPlane: DataPlane? { parts.dataPlane }
    /// Per version: stops sending to an endpoint that refused its first requests the same way.
    let earlyStops = Mutex<[Variant: EarlyStop]>([.baseline: EarlyStop(), .candidate: EarlyStop()])
    /// Retries each gate's requests needed so far, by gate name, for its result.
    let gateRetries = Mutex<[String: Int]>([:])
    private let inbox = Mutex<[OperatorCommand]>([])
    /// Mid-run notifications in flight; the run waits for them before it reports its end.
    private let notifying = Mutex<[Task<Void, Never>]>([])
    private let schedule: Mutex<[ScheduledCommand]>

    /// An engine with the parts `RunAssembly` built (or a test chose). It builds nothing itself.
    public init(inputs: PipelineInputs, clock: any EngineClock, options: RunOptions, parts: RunParts, bus: EventBus = EventBus()) {
        self.inputs = inputs
        self.clock = clock
        self.options = options
        self.bus = bus
        self.parts = parts
        self.schedule = Mutex(options.schedule)
        judgeCallsLeft = Mutex(inputs.spec.judge?.maxCalls ?? 0)
        redactor = Redactor(environment: options.environment, named: inputs.spec.secretVariables)
    }

    /// Takes one judge call from the run's budget; false when it is spent.
    func spendJudgeCall() -> Bool {
        judgeCallsLeft.withLock { left in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
    }

    /// The one entry point for operator commands; safe from any thread. Applied at the engine's
    /// next tick, and recorded with the operator's name and reason whether accepted or refused.
    public func send(_ command: OperatorCommand) {
        inbox.withLock { $0.append(command) }
    }

    /// Commands that are due: scheduled ones whose time has come, then those sent live.
    func takeCommands(now: Double) -> [OperatorCommand] {
        let due = schedule.withLock { s -> [OperatorCommand] in
            let ready = s.prefix { $0.at <= now + 1e-9 }
            s.removeFirst(ready.count)
            return ready.map(\.command)
        }
        return due
            + inbox.withLock { i in
                defer { i.removeAll() }
                return i
            }
    }

    func publish(_ body: RunEvent.Body) {
        bus.publish(RunEvent(t: clock.now(), body))
    }

    /// What a run covers. Every plan reports only through the event stream.
    public enum Plan: Sendable {
        /// Build, gates, canary, promotion, and the spec's notifications.
        case pipeline
        /// The gates alone, each gate event carrying its items' outcomes (`rampart eval`).
        case gates
        /// The canary stage alone, without notifications (`rampart simulate`).
        case canary
    }

    /// Runs the plan to its end and returns the outcome. Finishes the bus when done.
    public func run(_ plan: Plan = .pipeline) async -> RunOutcome {
        let spec = inputs.spec
        let stageNames: [String] =
            switch plan {
            case .pipeline: StageName.all(for: spec)
            case .gates: spec.gates.map { StageName.gate($0.name) }
            case .canary: [StageName.canary, StageName.promote]
            }
        publish(
            .runStarted(
                RunStarted(
                    pipeline: spec.name, baseline: spec.baseline.label, candidate: spec.candidate.label,
                    stages: stageNames, seed: options.seed, operator: options.operator,
                    canarySteps: spec.canary?.steps, canaryMetrics: spec.canary?.metrics, controlSocket: options.controlSocket)))
        let (outcome, reason): (RunOutcome, String)
        switch plan {
        case .pipeline:
            (outcome, reason) = await stages()
            for task in notifying.withLock({ $0 }) { await task.value }
            await notify(outcome: outcome, reason: reason)
        case .gates:
            let failed = await runGates(withItems: true)
            (outcome, reason) = failed.isEmpty ? (.promoted, "all gates passed (gates only: nothing deployed)") : (.blocked, Self.blocked(by: failed))
        case .canary:
            if let canary = spec.canary {
                (outcome, reason) = await CanaryRun(engine: self, spec: canary).execute()
            } else {
                (outcome, reason) = (.aborted, "the spec has no canary")
            }
        }
        publish(.finished(RunFinished(outcome: outcome, reason: reason)))
        bus.finish()
        return outcome
    }

    static func blocked(by gates: [String]) -> String {
        "blocked by gate " + gates.map { "'\($0)'" }.joined(separator: ", ")
    }

    private func stages() async -> (RunOutcome, String) {
        let spec = inputs.spec
        let remainingAfterBuild = spec.gates.map { StageName.gate($0.name) } + [StageName.canary, StageName.promote]
        if let stop = await runBuild() {
            skip(remainingAfterBuild, because: "the build did not pass")
            return stop
        }
        if let stop = stopBeforeCanary(at: StageName.build) {
            skip(remainingAfterBuild, because: "the run was stopped")
            return stop
        }
        let failedGates = await runGates()
        if !failedGates.isEmpty {
            skip([StageName.canary, StageName.promote], because: "a gate failed")
            return (.blocked, Self.blocked(by: failedGates))
        }
        if let stop = stopBeforeCanary(at: "gates") {
            skip([StageName.canary, StageName.promote], because: "the run was stopped")
            return stop
        }
        guard let canary = spec.canary else {
            publish(.stage(StageChange(stage: StageName.canary, state: .skipped, reason: "no canary in the spec")))
            return promote(reason: "all gates passed; no canary configured", from: 0)
        }
        return await CanaryRun(engine: self, spec: canary).execute()
    }

    func skip(_ stages: [String], because reason: String) {
        for stage in stages { publish(.stage(StageChange(stage: stage, state: .skipped, reason: reason))) }
    }

    func promote(reason: String, from weight: Double) -> (RunOutcome, String) {
        publish(.stage(StageChange(stage: StageName.promote, state: .running)))
        if weight < 100 { publish(.weight(WeightChange(from: weight, to: 100, reason: "promoted"))) }
        publish(.stage(StageChange(stage: StageName.promote, state: .passed, reason: "candidate serves 100% of traffic")))
        return (.promoted, reason)
    }

    /// Before the canary there is no traffic to move: a rollback or abort stops the run with
    /// nothing deployed; promote and pause have nothing to act on and are refused, visibly.
    private func stopBeforeCanary(at point: String) -> (RunOutcome, String)? {
        for command in takeCommands(now: clock.now()) {
            switch command.kind {
            case .abort, .rollback:
                let why = command.reason.map { ": \($0)" } ?? ""
                publish(.operatorAction(OperatorAction(command: command, accepted: true, note: "run stopped after \(point); nothing was deployed")))
                return (.aborted, "stopped by \(command.operator) before the canary\(why)")
            case .promote, .promoteFully, .pause, .resume:
                publish(.operatorAction(OperatorAction(command: command, accepted: false, note: "the canary has not started")))
            }
        }
        return nil
    }

    private func runBuild() async -> (RunOutcome, String)? {
        let steps = inputs.spec.build
        guard !steps.isEmpty else {
            publish(.stage(StageChange(stage: StageName.build, state: .skipped, reason: "no build steps")))
            return nil
        }
        publish(.stage(StageChange(stage: StageName.build, state: .running)))
        for step in steps {
            let result = await ShellRunner.run(step.run, directory: inputs.spec.directory, timeout: step.timeout)
            let event = BuildStepResult(
                name: step.name, exitCode: result.exitCode, timedOut: result.timedOut, duration: result.duration,
                output: result.tail.map(redactor.redact))
            publish(.buildStep(event))
            if !event.succeeded {
                let why = result.timedOut ? "timed out after \(DurationText.format(step.timeout))" : "exited \(result.exitCode)"
                publish(.stage(StageChange(stage: StageName.build, state: .failed, reason: "step '\(step.name)' \(why)")))
                return (.blocked, "build step '\(step.name)' \(why)")
            }
        }
        publish(.stage(StageChange(stage: StageName.build, state: .passed, reason: "\(steps.count) step(s) succeeded")))
        return nil
    }

    /// Runs every gate, even after one fails, so the developer sees all verdicts at once.
    private func runGates(withItems: Bool = false) async -> [String] {
        var failed: [String] = []
        for gate in inputs.spec.gates {
            let stage = StageName.gate(gate.name)
            publish(.stage(StageChange(stage: stage, state: .running)))
            let report = await GateRunner(engine: self).evaluate(gate)
            var result = report.result
            if withItems { result.outcomes = report.items }
            publish(.gate(result))
            let failing = result.checks.filter { $0.verdict == .fail }.map(\.threshold)
            let unsure = result.checks.filter { $0.verdict == .inconclusive }.map(\.threshold)
            var why: [String] = []
            if result.verdict == .error, let e = result.errors {
                why.append("ERROR: \(e.summary)")
            } else {
                if !failing.isEmpty { why.append("failed \(failing.joined(separator: ", "))") }
                if !unsure.isEmpty { why.append("inconclusive on \(unsure.joined(separator: ", ")) (more items or repeats would decide)") }
            }
            if result.passed {
                publish(
                    .stage(
                        StageChange(
                            stage: stage, state: .passed,
                            reason: why.isEmpty ? nil : why.joined(separator: "; ") + "; allowed by on_inconclusive: pass")))
            } else {
                publish(.stage(StageChange(stage: stage, state: .failed, reason: why.joined(separator: "; "))))
                failed.append(gate.name)
            }
        }
        return failed
    }

    private func notify(outcome: RunOutcome, reason: String) async {
        await deliver(event: outcome.trigger, outcome: outcome, reason: reason)
    }

    /// A mid-run moment (step advanced, paused for a human). Sent in the background: a slow or
    /// failing channel never holds up the canary, least of all a rollback.
    func notifyMidRun(_ event: NotificationTrigger, reason: String) {
        guard parts.notifiers.contains(where: { $0.spec.on.contains(event) }) else { return }
        let task = Task { await self.deliver(event: event, outcome: nil, reason: reason) }
        notifying.withLock { $0.append(task) }
    }

    /// Outcomes go to channels with no `on` list; mid-run events only to those that ask for them.
    private func deliver(event: NotificationTrigger, outcome: RunOutcome?, reason: String) async {
        let spec = inputs.spec
        let payload = NotificationPayload(
            pipeline: spec.name, event: event, outcome: outcome, reason: reason, candidate: spec.candidate.label,
            baseline: spec.baseline.label, runFile: options.runFile, time: Timestamp.now())
        let midRun = outcome == nil
        for channel in parts.notifiers where channel.spec.on.contains(event) || (channel.spec.on.isEmpty && !midRun) {
            let notifier = channel.notifier
            let error = await notifier.send(payload)
            publish(
                .notification(NotificationSent(channel: notifier.channel, trigger: event, delivered: error == nil, error: error.map(redactor.redact)))
            )
        }
    }

    func systemPrompt(for variant: Variant, vars: [String: String]) -> String {
        let v = variant == .candidate ? inputs.spec.candidate : inputs.spec.baseline
        guard let path = v.promptTemplate, let template = inputs.files[path] else { return "" }
        return PromptTemplate.render(template, vars: vars)
    }

    func provider(_ variant: Variant) -> any ModelProvider {
        variant == .candidate ? parts.candidate : parts.baseline
    }

    /// The provider gates use: through the response cache when one is configured.
    func gateProvider(_ variant: Variant) -> any ModelProvider {
        let p = provider(variant)
        return options.cache.map { CachingProvider(p, cache: $0, redactor: redactor) } ?? p
    }
}
