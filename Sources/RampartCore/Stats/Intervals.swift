import Foundation

/// A two-sided interval around an estimate.
public struct Interval: Sendable, Equatable, Codable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

public enum Intervals {
    public static let z975 = 1.959963984540054

    /// Wilson score interval for a proportion x/n; well-behaved at 0/n and n/n, unlike Wald's.
    public static func wilson(successes x: Int, trials n: Int, z: Double = z975) -> Interval {
        guard n > 0 else { return Interval(low: 0, high: 1) }
        let nd = Double(n), p = Double(x) / nd, z2 = z * z
        let denominator = 1 + z2 / nd
        let centre = (p + z2 / (2 * nd)) / denominator
        let half = z / denominator * (p * (1 - p) / nd + z2 / (4 * nd * nd)).squareRoot()
        return Interval(low: max(0, centre - half), high: min(1, centre + half))
    }

    /// Student-t 95% interval for the mean of `values` (sample sd, n − 1).
    public static func mean(_ values: [Double]) -> (mean: Double, interval: Interval) {
        let n = values.count
        guard n > 0 else { return (0, Interval(low: 0, high: 0)) }
        let m = values.reduce(0, +) / Double(n)
        guard n > 1 else { return (m, Interval(low: m, high: m)) }
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n - 1)
        let half = tQuantile975(df: n - 1) * (variance / Double(n)).squareRoot()
        return (m, Interval(low: m - half, high: m + half))
    }

    /// The 0.975 quantile of Student's t: exact table to 30 degrees of freedom (scipy.stats.t.ppf),
    /// then the Cornish–Fisher expansion, accurate to 1e-4 beyond.
    public static func tQuantile975(df: Int) -> Double {
        let table: [Double] = [
            12.706204736, 4.302652730, 3.182446305, 2.776445105, 2.570581836, 2.446911851, 2.364624252,
            2.306004135, 2.262157163, 2.228138852, 2.200985160, 2.178812830, 2.160368656, 2.144786688,
            2.131449546, 2.119905299, 2.109815578, 2.100922040, 2.093024054, 2.085963447, 2.079613845,
            2.073873068, 2.068657610, 2.063898562, 2.059538553, 2.055529439, 2.051830516, 2.048407142,
            2.045229642, 2.042272456,
        ]
        if df >= 1 && df <= table.count { return table[df - 1] }
        let z = z975, n = Double(max(df, 1))
        let g1 = (pow(z, 3) + z) / 4
        let g2 = (5 * pow(z, 5) + 16 * pow(z, 3) + 3 * z) / 96
        let g3 = (3 * pow(z, 7) + 19 * pow(z, 5) + 17 * pow(z, 3) - 15 * z) / 384
        return z + g1 / n + g2 / (n * n) + g3 / (n * n * n)
    }
}
