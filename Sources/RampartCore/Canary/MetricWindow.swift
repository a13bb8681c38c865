import Foundation

/// What each version served during one publishing interval, summed for a metrics backend that
/// keeps aggregates (CloudWatch): counts and totals, plus each distribution (latency, time to
/// first token, quality) as distinct values with counts, so the backend can still answer
/// percentiles. Client errors (4xx) are the caller's and left out, as in every other metric.
public struct MetricWindow: Sendable, Equatable {
    public struct Arm: Sendable, Equatable {
        public var requests = 0
        public var errors = 0
        public var critical = 0
        public var promptTokens = 0
        public var completionTokens = 0
        public var cost = 0.0
        public var latencyMs: [Double] = []
        public var ttftMs: [Double] = []
        public var quality: [Double] = []

        public init() {}
    }

    public var arms: [Variant: Arm] = [:]

    public init() {}

    public var isEmpty: Bool { arms.values.allSatisfy { $0.requests == 0 } }

    public mutating func add(_ o: Observation) {
        guard !o.isClientError else { return }
        // In place: a copy of the arm per request would copy its arrays each time.
        Self.update(&arms[o.variant, default: Arm()], with: o)
    }

    private static func update(_ a: inout Arm, with o: Observation) {
        a.requests += 1
        if o.failed { a.errors += 1 }
        if o.critical { a.critical += 1 }
        a.promptTokens = sum(a.promptTokens, o.promptTokens)
        a.completionTokens = sum(a.completionTokens, o.completionTokens)
        if o.cost.isFinite { a.cost += o.cost }
        if o.latencyMs.isFinite { a.latencyMs.append(o.latencyMs) }
        if let t = o.ttftMs, t.isFinite { a.ttftMs.append(t) }
        if let q = o.quality, q.isFinite { a.quality.append(q) }
    }

    /// Token counts come from upstream answers: a hostile one must not trap the process.
    static func sum(_ a: Int, _ b: Int) -> Int {
        let (r, overflow) = a.addingReportingOverflow(max(0, b))
        return overflow ? Int.max : r
    }

    /// `values` as distinct values (rounded to `digits` significant digits, 0.1 % at 3) with
    /// their counts, ascending, in chunks of at most `chunk` distinct values: CloudWatch takes
    /// 150 per datum, and several datums of one metric at one time add up to one distribution.
    public static func distribution(_ values: [Double], digits: Int = 3, chunk: Int = 150) -> [[(value: Double, count: Int)]] {
        var counts: [Double: Int] = [:]
        for v in values { counts[round(v, digits: digits), default: 0] += 1 }
        let sorted = counts.sorted { $0.key < $1.key }.map { (value: $0.key, count: $0.value) }
        return stride(from: 0, to: sorted.count, by: max(1, chunk)).map { Array(sorted[$0..<min($0 + max(1, chunk), sorted.count)]) }
    }

    /// `v` to `digits` significant digits (0 stays 0).
    static func round(_ v: Double, digits: Int) -> Double {
        guard v != 0, v.isFinite else { return v.isFinite ? 0 : v }
        let scale = pow10(digits - 1 - Int((log10(abs(v))).rounded(.down)))
        return (v * scale).rounded() / scale
    }

    private static func pow10(_ n: Int) -> Double {
        var r = 1.0
        for _ in 0..<abs(n) { r *= 10 }
        return n < 0 ? 1 / r : r
    }
}
