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

    /// Sample variance (n − 1); 0 below two values.
    public var variance: Double { n > 1 ? m2 / Double(n - 1) : 0 }
}
