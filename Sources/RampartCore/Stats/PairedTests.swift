import Foundation

/// Paired comparisons of candidate and baseline on the same items.
public enum PairedTests {
    public struct Result: Sendable, Equatable, Codable {
        public var statistic: Double
        public var pValue: Double
        public var method: String
        public var n: Int
    }

    /// Exact McNemar test on pass/fail pairs: `b` = baseline passed and candidate failed, `c` = the
    /// reverse. Two-sided binomial test of min(b, c) in b + c trials at 1/2.
    public static func mcnemar(b: Int, c: Int) -> Result {
        let n = b + c
        guard n > 0 else { return Result(statistic: 0, pValue: 1, method: "mcnemar-exact", n: 0) }
        let k = min(b, c)
        var cdf = 0.0
        for i in 0...k { cdf += exp(logChoose(n, i) - Double(n) * log(2)) }
        return Result(statistic: Double(k), pValue: min(1, 2 * cdf), method: "mcnemar-exact", n: n)
    }

    /// Wilcoxon signed-rank test of paired differences (scipy's defaults: zeros dropped, two-sided,
    /// no continuity correction). Exact null distribution when there are no ties or zeros and at
    /// most 50 pairs; otherwise the normal approximation with the tie correction.
    public static func wilcoxon(_ differences: [Double]) -> Result {
        let zeros = differences.filter { $0 == 0 }.count
        let d = differences.filter { $0 != 0 }
        let n = d.count
        guard n > 0 else { return Result(statistic: 0, pValue: 1, method: "wilcoxon", n: 0) }
        let (ranks, tieSizes) = averageRanks(d.map(abs))
        var rPlus = 0.0, rMinus = 0.0
        for (i, x) in d.enumerated() { if x > 0 { rPlus += ranks[i] } else { rMinus += ranks[i] } }
        let statistic = min(rPlus, rMinus)
        let hasTies = tieSizes.contains { $0 > 1 }
        if !hasTies && zeros == 0 && n <= 50 {
            // Count subsets of {1…n} by their rank sum: the exact null distribution of W+.
            let maxSum = n * (n + 1) / 2
            var counts = [Double](repeating: 0, count: maxSum + 1)
            counts[0] = 1
            for r in 1...n {
                for s in stride(from: maxSum, through: r, by: -1) { counts[s] += counts[s - r] }
            }
            let total = pow(2.0, Double(n))
            let k = Int(statistic.rounded(.down))
            let lower = counts[0...k].reduce(0, +) / total
            return Result(statistic: statistic, pValue: min(1, 2 * lower), method: "wilcoxon-exact", n: n)
        }
        let nd = Double(n)
        let mean = nd * (nd + 1) * 0.25
        let tieCorrection = tieSizes.reduce(0.0) { $0 + Double($1 * $1 * $1 - $1) }
        let se = ((nd * (nd + 1) * (2 * nd + 1) - tieCorrection / 2) / 24).squareRoot()
        let z = (rPlus - mean) / se
        return Result(statistic: statistic, pValue: min(1, erfc(abs(z) / 2.0.squareRoot())), method: "wilcoxon-normal", n: n)
    }

    /// Ranks from 1 with ties sharing their average rank, and the size of each tie group.
    static func averageRanks(_ values: [Double]) -> ([Double], [Int]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var groups: [Int] = []
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let average = Double(i + j + 2) / 2
            for k in i...j { ranks[order[k]] = average }
            groups.append(j - i + 1)
            i = j + 1
        }
        return (ranks, groups)
    }

    static func logChoose(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
