import Foundation

/// The judging settings a what-if replay changes; nil keeps the recorded run's.
public struct JudgingPolicy: Sendable, Equatable {
    public var judge = JudgePolicy()
    public var metrics: [MetricCheck]?
    public var analysisInterval: Double?
    public var minSamples: Int?
    public var failureLimit: Int?
    public init() {}
}

/// Re-judges a recording's requests under another policy and says where the decision differs.
///
/// It replays what was recorded, not what would have happened: the traffic, its weights and the
/// step boundaries are the recorded ones, so after the first point where the two policies
/// disagree the comparison stops (a different decision would have changed what came next).
public enum WhatIf {
    public struct Decision: Sendable, Equatable {
        public enum Kind: String, Sendable { case rollback, advance, promote, end }
        public var kind: Kind
        public var t: Double
        public var step: Int
        /// Candidate requests served by then (the blast radius).
        public var candidateRequests: Int
        public var reason: String
    }

    public struct Report: Sendable, Equatable {
        public var judge: String
        /// The recorded run's canary decisions, in order.
        public var recorded: [Decision]
        /// The first decision the new policy reaches on the recorded traffic, if any.
        public var alternative: Decision?
        public var summary: String
    }

    public static func run(_ recording: RunFileCodec.Recording, policy: JudgingPolicy, defaults: CanarySpec? = nil) -> Report? {
        let events = recording.events
        guard let started = events.compactMap({ if case .runStarted(let r) = $0.body { r } else { nil } }).first,
            let steps = started.canarySteps, !steps.isEmpty
        else { return nil }
        let spec = canary(started, steps: steps, policy: policy, defaults: defaults)
        let recorded = recordedDecisions(events)
        let alternative = firstDifference(events, spec: spec, recorded: recorded)
        return Report(judge: spec.judge.kind.rawValue, recorded: recorded, alternative: alternative, summary: summarize(recorded, alternative))
    }

    /// The canary as the recording ran it, with the policy's changes.
    static func canary(_ started: RunStarted, steps: [CanaryStep], policy: JudgingPolicy, defaults: CanarySpec?) -> CanarySpec {
        var spec = defaults ?? CanarySpec(traffic: TrafficSpec(rate: 0, dataset: ""), steps: steps, metrics: started.canaryMetrics ?? [])
        spec.steps = steps
        if defaults == nil { spec.metrics = started.canaryMetrics ?? [] }
        if let m = policy.metrics { spec.metrics = m }
        if let i = policy.analysisInterval { spec.analysisInterval = i }
        if let n = policy.minSamples { spec.minSamples = n }
        if let f = policy.failureLimit { spec.failureLimit = f }
        spec.judge = policy.judge
        return spec
    }

    /// The recorded run's decisions, with the candidate requests served by each.
    static func recordedDecisions(_ events: [RunEvent]) -> [Decision] {
        var recorded: [Decision] = []
        var served = 0
        var step = 0
        for e in events {
            switch e.body {
            case .observations(let b): served += b.variants.filter { $0 == "c" }.count
            case .canaryStep(let c):
                if c.index > 0 {
                    recorded.append(
                        Decision(kind: .advance, t: e.t, step: c.index - 1, candidateRequests: served, reason: "advanced to step \(c.index + 1)"))
                }
                step = c.index
            case .finished(let f):
                let kind: Decision.Kind = f.outcome == .rolledBack ? .rollback : (f.outcome == .promoted ? .promote : .end)
                recorded.append(Decision(kind: kind, t: e.t, step: step, candidateRequests: served, reason: f.reason))
            default: break
            }
        }
        return recorded
    }

    /// The new judge over the same requests, looking at the same cadence it would live: its
    /// first rollback, or its first readiness to move on that the recording did not have.
    static func firstDifference(_ events: [RunEvent], spec: CanarySpec, recorded: [Decision]) -> Decision? {
        var judge = Judges.make(spec)
        var live = LiveMetrics()
        // As the engine does for a judge that decides on summaries: the guard's broken intervals
        // and the baseline's failing ticks left out.
        var evidence = EvidenceGuard(settings: spec.evidenceGuard)
        var summaries = SoundSummaries(settings: spec.evidenceGuard)
        var broken = false
        var served = 0
        var step = 0
        var stepStart = 0.0
        var nextAnalysis = Double.infinity
        var readySeen: Set<Int> = []
        for e in events {
            switch e.body {
            case .canaryStep(let c):
                step = c.index
                stepStart = e.t
                nextAnalysis = e.t + spec.analysisInterval
                live.startStep(c.index)
                summaries.startStep()
                judge.startStep(c.index, weight: c.step.weight, at: e.t)
            case .observations(let b):
                for o in b.observations {
                    live.record(o, at: e.t)
                    judge.observe(o, weight: b.weight, at: e.t)
                    evidence.observe(o)
                    if o.variant == .candidate { served += 1 }
                }
                if judge.decidesOnSummaries { summaries.record(tick: b.observations) }
                let due = e.t >= nextAnalysis - 1e-9
                if due { nextAnalysis += spec.analysisInterval }
                guard due || judge.looksContinuously else { continue }
                if due {
                    switch evidence.check() {
                    case .quiet: break
                    case .healthy: broken = false
                    case .broken: broken = true
                    }
                }
                let a: CanaryAnalysis
                if judge.decidesOnSummaries {
                    guard summaries.closeInterval(broken: broken) else { continue }
                    a = judge.analyze(step: step, at: e.t, baseline: summaries.arm(.baseline), candidate: summaries.arm(.candidate))
                } else {
                    a = judge.analyze(step: step, at: e.t, baseline: live.arm(.baseline), candidate: live.arm(.candidate))
                }
                if a.decision == .rollback {
                    return Decision(kind: .rollback, t: e.t, step: step, candidateRequests: served, reason: a.reason)
                }
                let bake = spec.steps[min(step, spec.steps.count - 1)].bake
                if a.ready == true, !readySeen.contains(step), e.t - stepStart >= bake - 1e-9 {
                    readySeen.insert(step)
                    // Only a difference worth reporting ends the scan: readiness the recording also had.
                    let recordedAdvance = recorded.first { $0.step == step && ($0.kind == .advance || $0.kind == .promote) }
                    if recordedAdvance == nil {
                        return Decision(
                            kind: step + 1 < spec.steps.count ? .advance : .promote, t: e.t, step: step, candidateRequests: served, reason: a.reason)
                    }
                }
            default: break
            }
        }
        return nil
    }

    static func summarize(_ recorded: [Decision], _ alt: Decision?) -> String {
        let end = recorded.last
        func at(_ d: Decision) -> String { "\(EventLine.clock(d.t)) (step \(d.step + 1), \(d.candidateRequests) candidate requests served)" }
        guard let alt else {
            if let end, end.kind == .rollback {
                return "would NOT have rolled back on the recorded traffic (recorded: rolled back at \(at(end)))"
            }
            return "no different decision on the recorded traffic"
        }
        switch alt.kind {
        case .rollback:
            if let end, end.kind == .rollback {
                let diff = end.candidateRequests - alt.candidateRequests
                if abs(alt.t - end.t) < 1e-6 { return "would have rolled back at the same moment, \(at(alt))" }
                return diff >= 0
                    ? "would have rolled back at \(at(alt)): \(diff) candidate requests and \(DurationText.format(end.t - alt.t)) earlier than recorded"
                    : "would have rolled back at \(at(alt)): \(-diff) candidate requests later than recorded"
            }
            return
                "would have rolled back at \(at(alt)) — the recording \(end.map { "ended \($0.kind.rawValue == "promote" ? "promoted" : $0.kind.rawValue) at \(EventLine.clock($0.t))" } ?? "did not finish"): \(alt.reason)"
        case .advance, .promote:
            let verb = alt.kind == .promote ? "promote" : "advance past"
            return
                "would have been ready to \(verb) step \(alt.step + 1) at \(at(alt)), where the recording \(end.map { $0.kind == .rollback ? "rolled back at \(EventLine.clock($0.t))" : "did not" } ?? "did not finish")"
        case .end:
            return "ends the same way"
        }
    }
}
