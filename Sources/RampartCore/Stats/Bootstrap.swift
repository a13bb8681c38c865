/// Seeded percentile bootstrap over items: resample item indices with replacement, compute the
/// statistic, take the 2.5th and 97.5th percentiles. The item is the unit: repeats are averaged
/// per item before this. A fixed seed makes the interval reproducible run to run.
public enum Bootstrap {
    public static let defaultResamples = 2000
    public static let defaultSeed: UInt64 = 12345

    /// Interval for the mean of `values`.
    public static func mean(_ values: [Double], resamples: Int = defaultResamples, seed: UInt64 = defaultSeed, confidence: Double = 0.95) -> Interval
    {
        interval(count: values.count, resamples: resamples, seed: seed, confidence: confidence) { indices in
            indices.reduce(0.0) { $0 + values[$1] } / Double(indices.count)
        }
    }

    /// Interval for the mean paired difference `candidate[i] − baseline[i]`.
    public static func pairedDifference(
        candidate: [Double], baseline: [Double], resamples: Int = defaultResamples, seed: UInt64 = defaultSeed, confidence: Double = 0.95
    ) -> Interval {
        precondition(candidate.count == baseline.count, "paired samples must have the same items")
        let d = zip(candidate, baseline).map { $0 - $1 }
        return mean(d, resamples: resamples, seed: seed, confidence: confidence)
    }

    static func interval(count n: Int, resamples: Int, seed: UInt64, confidence: Double, statistic: ([Int]) -> Double) -> Interval {
        guard n > 0 else { return Interval(low: 0, high: 0) }
        var rng = SeededRandom(seed: seed, stream: "bootstrap")
        var stats: [Double] = []
        stats.reserveCapacity(resamples)
        var indices = [Int](repeating: 0, count: n)
        for _ in 0..<resamples {
            for i in 0..<n { indices[i] = rng.index(below: n) }
            stats.append(statistic(indices))
        }
        stats.sort()
        let tail = Int(Double(resamples) * (1 - confidence) / 2)
        return Interval(low: stats[tail], high: stats[resamples - tail - 1])
    }
}
