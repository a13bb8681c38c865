/// The requests of one engine tick, recorded column by column so a run file can hold every
/// request compactly (about 20 bytes each) for what-if re-judging.
///
/// `variants` has one character per request, `b` or `c`; the other columns are parallel to it.
/// Rare fields are sparse: `failed` and `critical` list indices, `status` lists [index, status]
/// pairs for anything but 200, `quality` lists [index, score] pairs for the scored ones, `ttft`
/// [index, ms] pairs for streamed answers.
public struct ObservationBatch: Sendable, Equatable, Codable {
    /// The candidate's share (percent) while these requests were served.
    public var weight: Double
    public var variants: String
    public var latency: [Double]
    public var prompt: [Int]
    public var completion: [Int]
    public var cost: [Double]
    public var failed: [Int]
    public var status: [[Int]]
    public var quality: [[Double]]
    public var critical: [Int]
    public var synthetic: Bool
    /// [index, milliseconds to the first token] for streamed answers; absent when none were.
    public var ttft: [[Double]]?
    /// [index, the candidate's score (-1: failed or unscored), its cost] for mirrored baseline
    /// requests; absent when none were.
    public var shadow: [[Double]]?

    public init(weight: Double, observations: [Observation]) {
        self.weight = weight
        variants = String(observations.map { $0.variant == .candidate ? "c" : "b" })
        latency = observations.map { ($0.latencyMs * 10).rounded() / 10 }
        prompt = observations.map(\.promptTokens)
        completion = observations.map(\.completionTokens)
        cost = observations.map { ($0.cost * 1e9).rounded() / 1e9 }
        failed = observations.indices.filter { observations[$0].failed }
        status = observations.indices.filter { observations[$0].status != 200 }.map { [$0, observations[$0].status] }
        quality = observations.indices.compactMap { i in observations[i].quality.map { [Double(i), ($0 * 1e6).rounded() / 1e6] } }
        critical = observations.indices.filter { observations[$0].critical }
        synthetic = observations.allSatisfy(\.synthetic)
        let streamed = observations.indices.compactMap { i in observations[i].ttftMs.map { [Double(i), ($0 * 10).rounded() / 10] } }
        ttft = streamed.isEmpty ? nil : streamed
        let mirrored = observations.indices.compactMap { i in
            observations[i].shadow.map { [Double(i), $0.failed ? -2 : (($0.quality ?? -1) * 1e6).rounded() / 1e6, ($0.cost * 1e9).rounded() / 1e9] }
        }
        shadow = mirrored.isEmpty ? nil : mirrored
    }

    public var count: Int { latency.count }

    /// The observations back, in order.
    public var observations: [Observation] {
        let kinds = Array(variants)
        var out = (0..<latency.count).map { i in
            Observation(
                variant: i < kinds.count && kinds[i] == "c" ? .candidate : .baseline, latencyMs: latency[i],
                promptTokens: i < prompt.count ? prompt[i] : 0, completionTokens: i < completion.count ? completion[i] : 0,
                cost: i < cost.count ? cost[i] : 0, synthetic: synthetic)
        }
        for i in failed where i >= 0 && i < out.count { out[i].failed = true }
        for pair in status where pair.count == 2 && pair[0] >= 0 && pair[0] < out.count { out[pair[0]].status = pair[1] }
        // Indices come from a file: a hostile one (negative, 1e300, NaN) is skipped, never a trap.
        func index(_ pair: [Double]) -> Int? {
            guard pair.count == 2 else { return nil }
            let i = Int(saturating: pair[0])
            return i >= 0 && i < out.count ? i : nil
        }
        for pair in quality { if let i = index(pair) { out[i].quality = pair[1] } }
        for i in critical where i >= 0 && i < out.count { out[i].critical = true }
        for pair in ttft ?? [] { if let i = index(pair) { out[i].ttftMs = pair[1] } }
        for row in shadow ?? [] where row.count == 3 {
            guard let i = index([row[0], 0]) else { continue }
            let q = row[1]
            out[i].shadow = ShadowAnswer(quality: q >= 0 && q.isFinite ? q : nil, cost: row[2].isFinite ? row[2] : 0, failed: q == -2)
        }
        return out
    }
}
