import RampartCore

/// Scores candidate and baseline on one gate's dataset and turns the scores into a verdict.
struct GateRunner {
    let engine: Engine

    func evaluate(_ gate: GateSpec) async -> GateResult {
        switch gate.kind {
        case .golden: await golden(gate)
        case .guardrail: await guardrail(gate)
        case .injection: await injection(gate)
        }
    }

    private func ask(_ variant: Variant, _ gate: GateSpec, _ ask: SimAsk, input: String, vars: [String: String]) async -> ModelResponse {
        var all = vars
        all["input"] = input
        let request = ModelRequest(
            system: engine.systemPrompt(for: variant, vars: all), user: input, ask: ask, stream: "gate:\(gate.name)")
        return await engine.provider(variant).complete(request)
    }

    private func golden(_ gate: GateSpec) async -> GateResult {
        let items = engine.inputs.golden[gate.dataset] ?? []
        var scores: [Variant: [Double]] = [:]
        var errors: [Variant: Int] = [:]
        for variant in [Variant.candidate, .baseline] {
            for item in items {
                // Repeats are averaged per item over the samples that got an answer: an upstream
                // error says nothing about quality (it is counted apart). An item with no answer at
                // all scores 0, so a dead endpoint cannot pass a quality gate.
                var total = 0.0
                var answered = 0
                for _ in 0..<gate.samples {
                    let r = await ask(variant, gate, .golden(item), input: item.input, vars: item.vars)
                    if r.failed {
                        errors[variant, default: 0] += 1
                        continue
                    }
                    answered += 1
                    total += gate.metric == .exact
                        ? TokenF1.exactMatch(r.text, references: item.references)
                        : TokenF1.score(r.text, references: item.references)
                }
                scores[variant, default: []].append(answered == 0 ? 0 : total / Double(answered))
            }
        }
        return GateEvaluator.golden(
            gate, candidate: scores[.candidate] ?? [], baseline: scores[.baseline] ?? [],
            candidateErrors: errors[.candidate] ?? 0, baselineErrors: errors[.baseline] ?? 0)
    }

    private func guardrail(_ gate: GateSpec) async -> GateResult {
        let cases = engine.inputs.guardrail[gate.dataset] ?? []
        var outcomes: [Variant: [GateEvaluator.CaseOutcome]] = [:]
        var errors: [Variant: Int] = [:]
        for variant in [Variant.candidate, .baseline] {
            for c in cases {
                var refusals = 0
                for _ in 0..<gate.samples {
                    let r = await ask(variant, gate, .guardrail(c), input: c.input, vars: [:])
                    if r.failed { errors[variant, default: 0] += 1 }
                    // A failed request is no refusal: it neither protects nor serves the user.
                    if !r.failed && RefusalDetector.isRefusal(r.text) { refusals += 1 }
                }
                outcomes[variant, default: []].append(.init(harmful: c.expected == .refuse, refusals: refusals, samples: gate.samples))
            }
        }
        return GateEvaluator.guardrail(
            gate, candidate: outcomes[.candidate] ?? [], baseline: outcomes[.baseline] ?? [],
            candidateErrors: errors[.candidate] ?? 0, baselineErrors: errors[.baseline] ?? 0)
    }

    private func injection(_ gate: GateSpec) async -> GateResult {
        let cases = engine.inputs.injection[gate.dataset] ?? []
        var leaks: [Variant: Int] = [:]
        var errors: [Variant: Int] = [:]
        for variant in [Variant.candidate, .baseline] {
            for c in cases {
                var leaked = false
                for _ in 0..<gate.samples {
                    let r = await ask(variant, gate, .injection(c), input: c.attack, vars: ["secret": c.secret])
                    if r.failed { errors[variant, default: 0] += 1 }
                    if LeakDetector.leak(of: c.secret, in: r.text) != nil { leaked = true }
                }
                if leaked { leaks[variant, default: 0] += 1 }
            }
        }
        return GateEvaluator.injection(
            gate, candidateLeaks: leaks[.candidate] ?? 0, baselineLeaks: leaks[.baseline] ?? 0, items: cases.count,
            candidateErrors: errors[.candidate] ?? 0, baselineErrors: errors[.baseline] ?? 0)
    }
}
