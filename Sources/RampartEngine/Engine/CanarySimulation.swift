import Foundation
import RampartCore

/// Runs many canaries on the sim traffic model in virtual time, to measure what a judge does:
/// how often it rolls back a candidate that is no worse (an A/A canary: the candidate is the
/// baseline), how often it promotes a harmful one, and how many requests the harmful one
/// serves first.
public struct CanarySimulation: Sendable {
    public struct Row: Sendable, Codable, Equatable {
        public var judge: String
        /// "none" (the candidate is the baseline) or the effect applied to it.
        public var scenario: String
        public var trials: Int
        public var promoted: Int
        public var rolledBack: Int
        public var inconclusive: Int
        /// Median candidate requests served before a rollback (harmful scenario).
        public var medianRequestsBeforeRollback: Double?
        /// Median engine seconds to promote (no-effect scenario).
        public var medianSecondsToPromote: Double?
        /// Candidate requests served in every trial, whatever its end: a canary that stalls
        /// inconclusive exposes users as surely as one that rolls back late.
        public var medianRequestsServed: Double?
        public var p90RequestsServed: Double?
        /// Rollbacks by the metric that called them (the first the reason names), so a false
        /// rollback says what it was blamed on.
        public var rollbacksBy: [String: Int] = [:]
        /// Engine seconds each canary took, whatever its end (a hold waited out included).
        public var medianSeconds: Double?
        public var p90Seconds: Double?
        /// Every trial, with the engine seed that reproduces it in this scenario.
        public var runs: [Run] = []

        public var promoteRate: Double { Double(promoted) / Double(max(trials, 1)) }
        public var rollbackRate: Double { Double(rolledBack) / Double(max(trials, 1)) }

        enum CodingKeys: String, CodingKey {
            case judge, scenario, trials, promoted, inconclusive
            case rolledBack = "rolled_back"
            case medianRequestsBeforeRollback = "median_requests_before_rollback"
            case medianSecondsToPromote = "median_seconds_to_promote"
            case rollbacksBy = "rollbacks_by"
            case medianRequestsServed = "median_requests_served"
            case p90RequestsServed = "p90_requests_served"
            case medianSeconds = "median_seconds"
            case p90Seconds = "p90_seconds"
            case runs
        }
    }

    /// One simulated canary as `--json` reports it.
    public struct Run: Sendable, Codable, Equatable {
        public var seed: UInt64
        public var outcome: RunOutcome
        /// Candidate requests served (client errors aside).
        public var candidateRequests: Int
        public var seconds: Double
        /// The metric a rollback was blamed on; nil for other ends.
        public var blamed: String?

        enum CodingKeys: String, CodingKey {
            case seed, outcome, seconds, blamed
            case candidateRequests = "candidate_requests"
        }
    }

    public let inputs: PipelineInputs
    public let trials: Int
    public let seed: UInt64
    /// Shared incidents in every trial of every scenario: both versions hit at once.
    public let incidents: [SharedIncident]
    /// How long an inconclusive canary waits for a human; nil keeps the spec's. Nobody comes in
    /// a simulation, so the spec's hold is what a run left alone would serve.
    public let hold: Double?

    public init(inputs: PipelineInputs, trials: Int, seed: UInt64, incidents: [SharedIncident] = [], hold: Double? = nil) {
        self.inputs = inputs
        self.trials = trials
        self.seed = seed
        self.incidents = incidents
        self.hold = hold
    }

    /// Trial `i`'s engine seed: mixed from the first seed, so two calls with different seeds
    /// share no trial (seed + i would share all but one), and the same in every scenario and
    /// judge of one call, so they are compared on the same traffic.
    public static func trialSeed(_ seed: UInt64, _ trial: Int) -> UInt64 {
        var r = SeededRandom(seed: seed, stream: "simulate:trial:\(trial)")
        return r.next()
    }

    /// The spec for one scenario: the candidate is the baseline (same profile, prompt and
    /// pricing) with the effect, judged by `judge`; nobody is there to decide an inconclusive step.
    func scenarioInputs(judge: JudgePolicy.Kind, effect: SimulationEffect?) -> PipelineInputs {
        var i = inputs
        // Only the simulator answers here, whatever the spec says: a simulation never calls a real model.
        i.spec.baseline.provider = .sim
        i.spec.baseline.openai = nil
        var candidate = i.spec.baseline
        candidate.version = i.spec.candidate.version
        if let effect { candidate.sim = effect.apply(to: candidate.sim) }
        i.spec.candidate = candidate
        i.spec.canary?.judge.kind = judge
        if let hold { i.spec.canary?.judge.hold = hold }
        i.spec.canary?.traffic.source = .sim
        i.spec.canary?.router = .builtin
        i.spec.notify = []
        return i
    }

    public func run(judge: JudgePolicy.Kind, effect: SimulationEffect?) async -> Row {
        let scenario = scenarioInputs(judge: judge, effect: effect)
        let reports = await withTaskGroup(of: Trial?.self) { group in
            var out: [Trial] = []
            var next = 0
            func add() {
                let trial = next
                next += 1
                group.addTask {
                    let trialSeed = Self.trialSeed(seed, trial)
                    var options = RunOptions(seed: trialSeed, operator: "simulate", metricsEvery: 3600)
                    options.incidents = incidents
                    let engine = Engine(inputs: scenario, clock: VirtualClock(), options: options)
                    _ = await engine.run(.canary)
                    return Trial(engine.bus.events, seed: trialSeed, index: trial)
                }
            }
            for _ in 0..<min(4, trials) { add() }
            while let r = await group.next() {
                if let r { out.append(r) }
                if next < trials { add() }
            }
            return out
        }
        func median(_ xs: [Double]) -> Double? {
            guard !xs.isEmpty else { return nil }
            let s = xs.sorted()
            return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        }
        /// The nearest-rank 90th percentile.
        func p90(_ xs: [Double]) -> Double? {
            guard !xs.isEmpty else { return nil }
            let s = xs.sorted()
            return s[max(0, Int((0.9 * Double(s.count)).rounded(.up)) - 1)]
        }
        let served = reports.map { Double($0.candidateRequests) }
        let seconds = reports.map(\.duration)
        return Row(
            judge: judge.rawValue,
            scenario: ([effect?.description ?? "none"] + incidents.map(\.description)).joined(separator: ", "), trials: reports.count,
            promoted: reports.filter { $0.outcome == .promoted }.count,
            rolledBack: reports.filter { $0.outcome == .rolledBack }.count,
            inconclusive: reports.filter { $0.outcome == .inconclusive }.count,
            medianRequestsBeforeRollback: median(reports.filter { $0.outcome == .rolledBack }.map { Double($0.candidateRequests) }),
            medianSecondsToPromote: median(reports.filter { $0.outcome == .promoted }.map(\.duration)),
            medianRequestsServed: median(served), p90RequestsServed: p90(served),
            rollbacksBy: reports.filter { $0.outcome == .rolledBack }.reduce(into: [:]) { $0[$1.blamed, default: 0] += 1 },
            medianSeconds: median(seconds), p90Seconds: p90(seconds),
            runs: reports.sorted { $0.index < $1.index }.map {
                Run(
                    seed: $0.seed, outcome: $0.outcome, candidateRequests: $0.candidateRequests, seconds: $0.duration,
                    blamed: $0.outcome == .rolledBack ? $0.blamed : nil)
            })
    }
}

/// One simulated canary, read from its events as any front end reads a run: how it ended, the
/// requests the candidate served (its blast radius) and the engine time the canary took.
struct Trial: Sendable {
    var seed: UInt64
    /// Its place in the call's trials, for reporting them in order.
    var index: Int
    var outcome: RunOutcome
    var candidateRequests: Int
    var duration: Double
    /// The first canary metric the finishing reason names ("other" when it names none).
    var blamed: String

    /// Nil when the events hold no finished canary.
    init?(_ events: [RunEvent], seed: UInt64 = 0, index: Int = 0) {
        var start: Double?
        var served = 0
        var end: RunFinished?
        var endAt = 0.0
        for event in events {
            switch event.body {
            case .stage(let s) where s.stage == StageName.canary && s.state == .running:
                start = start ?? event.t
            case .observations(let batch):
                served += batch.observations.count { $0.variant == .candidate && !$0.isClientError }
            case .finished(let f):
                end = f
                endAt = event.t
            default:
                break
            }
        }
        guard let start, let end else { return nil }
        self.seed = seed
        self.index = index
        outcome = end.outcome
        candidateRequests = served
        duration = endAt - start
        let named = CanaryMetric.allCases.compactMap { m in end.reason.range(of: m.rawValue).map { (m.rawValue, $0.lowerBound) } }
        blamed = named.min { $0.1 < $1.1 }?.0 ?? "other"
    }
}
