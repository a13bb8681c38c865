/// Hand-written decoders for the records a long run file is made of (after the request
/// batches, which `replay` skips): a metrics snapshot and an analysis per second of canary.
/// Each reads exactly the members its synthesized `Decodable` reads, with the same optional
/// rules; `FastJSONDecoderTests` holds them to Foundation's values on real and mutated lines.
extension ArmMetrics {
    init(tape: JSONTape, at i: Int) throws {
        var o = try TapeObject(tape, at: i)
        // Sorted, as the encoder writes them.
        let costPerRequest = try o.doubleIfPresent("cost_per_request")
        let criticalEvents = try o.intIfPresent("critical_events")
        let errorRate = try o.doubleIfPresent("error_rate")
        let errors = try o.int("errors")
        let latencyP50 = try o.doubleIfPresent("latency_p50")
        let latencyP95 = try o.doubleIfPresent("latency_p95")
        let latencyP99 = try o.doubleIfPresent("latency_p99")
        let mirrorCost = try o.doubleIfPresent("mirror_cost")
        let mirrored = try o.intIfPresent("mirrored")
        let quality = try o.doubleIfPresent("quality")
        let qualitySamples = try o.intIfPresent("quality_samples")
        let requests = try o.int("requests")
        let tokensPerRequest = try o.doubleIfPresent("tokens_per_request")
        self.init(
            requests: requests, errors: errors, latencyP50: latencyP50, latencyP95: latencyP95, latencyP99: latencyP99, errorRate: errorRate,
            tokensPerRequest: tokensPerRequest, costPerRequest: costPerRequest, quality: quality, qualitySamples: qualitySamples,
            criticalEvents: criticalEvents)
        self.mirrored = mirrored
        self.mirrorCost = mirrorCost
    }
}

extension MetricsSnapshot {
    init(tape: JSONTape, at i: Int) throws {
        var o = try TapeObject(tape, at: i)
        let baseline = try ArmMetrics(tape: tape, at: try o.required("baseline"))
        let candidate = try ArmMetrics(tape: tape, at: try o.required("candidate"))
        let candidateTotal = try o.int("candidate_total")
        let recentBaseline = try o.optional("recent_baseline").map { try ArmMetrics(tape: tape, at: $0) }
        let recentCandidate = try o.optional("recent_candidate").map { try ArmMetrics(tape: tape, at: $0) }
        let step = try o.int("step")
        let weight = try o.double("weight")
        self.init(step: step, weight: weight, baseline: baseline, candidate: candidate, candidateTotal: candidateTotal)
        self.recentBaseline = recentBaseline
        self.recentCandidate = recentCandidate
    }
}

extension CanaryAnalysis {
    init(tape: JSONTape, at i: Int) throws {
        var o = try TapeObject(tape, at: i)
        guard let decision = Decision(rawValue: try o.string("decision")) else { throw FastJSONDecoder.Unsure() }
        let judge = try o.stringIfPresent("judge")
        let ready = try o.boolIfPresent("ready")
        let reason = try o.string("reason")
        let results = try o.decode([MetricResult].self, "results")
        let rollbackBoundary = try o.doubleIfPresent("rollback_boundary")
        let rollbackEvidence = try o.doubleIfPresent("rollback_evidence")
        let score = try o.doubleIfPresent("score")
        let source = try o.stringIfPresent("source")
        let step = try o.int("step")
        self.init(step: step, results: results, decision: decision, reason: reason, judge: judge, ready: ready, score: score, source: source)
        self.rollbackEvidence = rollbackEvidence
        self.rollbackBoundary = rollbackBoundary
    }
}

extension RunEvent {
    /// The metrics and analysis kinds by hand, the rest through their `Decodable`.
    init(tape: JSONTape, at i: Int) throws {
        var o = try TapeObject(tape, at: i)
        let data = try o.required("data")
        let kind = try o.string("event")
        let t = try o.double("t")
        switch kind {
        case "metrics": self.init(t: t, .metrics(try MetricsSnapshot(tape: tape, at: data)))
        case "analysis": self.init(t: t, .analysis(try CanaryAnalysis(tape: tape, at: data)))
        default: self = try tape.decodeThroughProtocol(RunEvent.self, at: i)
        }
    }
}
