import RampartCore
import Synchronization

/// Where the canary's observations come from. The engine calls `collect` once per tick and
/// feeds what it returns to the live metrics and the judge; it never cares whether requests
/// were simulated in process or went over HTTP through the proxy.
public protocol CanaryTraffic: Sendable {
    /// Observations since the last call, after `duration` seconds of engine time at `weight`.
    func collect(over duration: Double, weight: Double) async -> [Observation]
}

/// Observations the data plane produced on other threads, waiting for the engine's next tick.
public final class ObservationInbox: Sendable {
    private let buffer = Mutex<[Observation]>([])
    public init() {}

    public func post(_ o: Observation) {
        buffer.withLock { $0.append(o) }
    }

    public func drain() -> [Observation] {
        buffer.withLock { b in
            defer { b.removeAll(keepingCapacity: true) }
            return b
        }
    }
}

/// Traffic through the weighted proxy: whatever reached it since the last tick.
public struct ProxyTraffic: CanaryTraffic {
    public let inbox: ObservationInbox
    public init(inbox: ObservationInbox) { self.inbox = inbox }
    public func collect(over duration: Double, weight: Double) async -> [Observation] { inbox.drain() }
}

/// Poisson arrivals answered by the sim providers inside the engine: no network, so it runs
/// under a virtual clock (tests, `--speed max`, `simulate`) and the same seed gives the same run.
final class InProcessTraffic: CanaryTraffic {
    private let engine: Engine
    private let rate: Double
    private let prompts: [GoldenItem]
    /// Each prompt's system prompt per version, rendered once: a canary sends each prompt
    /// hundreds of times, and rendering per request was a seventh of `rampart simulate`.
    private let systemPrompts: (baseline: [String], candidate: [String])
    private let rng: Mutex<SeededRandom>
    /// Shared incidents: the seconds of traffic so far, and the draws of their failures (a
    /// stream of their own, so a run with an incident is the same run until it starts).
    private let incidents: [SharedIncident]
    private let incidentState: Mutex<(elapsed: Double, rng: SeededRandom)>
    /// The share of answers scored for quality, as the proxy scores them (`quality_sample`):
    /// scoring every answer in process would judge quality on more evidence than a real run has.
    private let qualitySample: Double
    private let sampler: Mutex<SeededRandom>
    /// The share of baseline requests whose prompt the candidate also answers (`mirror`).
    private let mirror: Double

    init(engine: Engine, spec: CanarySpec) {
        self.engine = engine
        self.rate = spec.traffic.rate
        let prompts = engine.inputs.golden[spec.traffic.dataset] ?? []
        self.prompts = prompts
        systemPrompts = (
            prompts.map { engine.systemPrompt(for: .baseline, vars: InProcessTraffic.vars($0)) },
            prompts.map { engine.systemPrompt(for: .candidate, vars: InProcessTraffic.vars($0)) }
        )
        self.rng = Mutex(SeededRandom(seed: engine.options.seed, stream: "canary:traffic"))
        incidents = engine.options.incidents
        incidentState = Mutex((0, SeededRandom(seed: engine.options.seed, stream: "canary:incident")))
        qualitySample = spec.proxy.qualitySample
        sampler = Mutex(SeededRandom(seed: engine.options.seed, stream: "canary:quality-sample"))
        mirror = spec.proxy.mirror
    }

    func collect(over duration: Double, weight: Double) async -> [Observation] {
        guard !prompts.isEmpty else { return [] }
        let arrivals = rng.withLock { r -> [(Variant, Int)] in
            let n = r.poisson(mean: rate * duration)
            return (0..<n).map { _ in (r.chance(weight / 100) ? .candidate : .baseline, r.index(below: prompts.count)) }
        }
        let now = incidentState.withLock { s in
            s.elapsed += duration
            return s.elapsed
        }
        let incident = incidents.first { $0.covers(now) }
        var out: [Observation] = []
        out.reserveCapacity(arrivals.count)
        for (variant, index) in arrivals {
            let item = prompts[index]
            var r = await answer(variant, item, index, incident: incident)
            let mirrored = variant == .baseline && mirror > 0 && !item.references.isEmpty && sampler.withLock { $0.chance(mirror) }
            let scored = !r.failed && (mirrored || sampler.withLock { $0.chance(qualitySample) })
            var o = Observation(
                variant: variant, latencyMs: r.latencyMs, status: r.failed ? 500 : 200, failed: r.failed,
                promptTokens: r.promptTokens, completionTokens: r.completionTokens,
                cost: r.failed ? 0 : pricing(variant).cost(promptTokens: r.promptTokens, completionTokens: r.completionTokens),
                quality: scored ? TokenF1.score(r.text, references: item.references) : nil, synthetic: true)
            if mirrored {
                // The same prompt to the candidate, at the same moment; its answer reaches no user.
                r = await answer(.candidate, item, index, incident: incident)
                o.shadow = ShadowAnswer(
                    quality: r.failed ? nil : TokenF1.score(r.text, references: item.references),
                    cost: r.failed ? 0 : pricing(.candidate).cost(promptTokens: r.promptTokens, completionTokens: r.completionTokens),
                    failed: r.failed)
            }
            out.append(o)
        }
        return out
    }

    /// The template variables of a prompt: its own, and its input.
    static func vars(_ item: GoldenItem) -> [String: String] {
        var vars = item.vars
        vars["input"] = item.input
        return vars
    }

    /// One version's answer to prompt `index`, through a shared incident when one is on.
    private func answer(_ variant: Variant, _ item: GoldenItem, _ index: Int, incident: SharedIncident?) async -> ModelResponse {
        let system = variant == .candidate ? systemPrompts.candidate[index] : systemPrompts.baseline[index]
        let request = ModelRequest(system: system, user: item.input, ask: .golden(item), stream: "canary")
        var r = await engine.provider(variant).complete(request)
        if let incident {
            r.latencyMs *= incident.slowdown
            if !r.failed, incidentState.withLock({ $0.rng.chance(incident.failure) }) {
                r.failed = true
                r.completionTokens = 0
                r.text = ""
            }
        }
        return r
    }

    private func pricing(_ variant: Variant) -> Pricing {
        variant == .candidate ? engine.inputs.spec.candidate.pricing : engine.inputs.spec.baseline.pricing
    }
}
