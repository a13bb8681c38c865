/// Count, mean and variance in one pass and constant memory (Welford), so a judge can look
/// after every request of a long canary without keeping the requests.
public struct RunningStats: Sendable, Equatable {
    public private(set) var n = 0
    public private(set) var mean = 0.0
    private var m2 = 0.0

    public init() {}

    public mutating func add(_ x: Double) {
        n += 1
        let d = x - mean
        mean += d / Double(n)
        m2 += d * (x - mean)
    }

    /// `count` copies of `x` at once (Chan et al.'s merge of a group with no spread): counts
    /// read from a metrics backend arrive as "k errors, m successes", not one by one.
    public mutating func add(_ x: Double, count: Int) {
        guard count > 0 else { return }
        let total = n + count
        let d = x - mean
        mean += d * Double(count) / Double(total)
        m2 += d * d * Double(n) * Double(count) / Double(total)
        n = total
    }

    /// Sample variance (n − 1); 0 below two values.
    public var variance: Double { n > 1 ? m2 / Double(n - 1) : 0 }
}
