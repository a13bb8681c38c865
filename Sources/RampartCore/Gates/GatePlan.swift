import Foundation

/// What a gate can detect with the data it has: for each check, the interval's half-width, the
/// smallest true difference from the estimate that would be detected (two-sided alpha 0.05,
/// power 0.8), and how many items it would take to decide at the observed estimate.
public enum GatePlan {
    public static let zAlpha = 1.959963984540054
    public static let zPower = 0.8416212335729143

    public struct Line: Sendable, Equatable {
        public var gate: String
        public var threshold: String
        public var n: Int
        public var estimate: Double
        public var halfWidth: Double
        /// Smallest detectable change in the checked quantity.
        public var detectable: Double
        /// Items needed to decide against the limit at this estimate; nil when it already decides,
        /// or when the estimate sits on the limit (no size decides).
        public var itemsToDecide: Int?
        public var verdict: GateVerdict
        /// Chance that a rerun with new samples blocks on this check (fails or is inconclusive)
        /// if the candidate's true value is what was measured: the false-block rate this
        /// dataset's size implies for a candidate as good as this one.
        public var blockChance: Double
        /// For a rate: bad items to spare before the check stops passing.
        public var slack: Int?
    }

    /// Chance that the candidate passes every check of every gate on a rerun, if each check's
    /// true value is what was measured (checks taken as independent).
    public static func passChance(_ lines: [Line]) -> Double {
        lines.reduce(1) { $0 * (1 - $1.blockChance) }
    }

    /// For a rate (Wilson), exactly: the binomial chance of each count at the measured rate,
    /// summed over the counts whose interval would not pass. For a mean (bootstrap), the normal
    /// approximation: the estimate moves by its standard error, and the interval's half-width
    /// stays. At 0 of n (or n of n) the measured rate says a rerun never differs, so read it
    /// with `slack`: how many more bad items the check tolerates.
    public static func blockChance(_ c: GateCheck) -> Double {
        let n = c.n
        guard n > 0 else { return 1 }
        if c.method.hasPrefix("wilson") {
            let p = min(1, max(0, c.candidate))
            var blocked = 0.0
            for k in 0...n where !passes(c, k) { blocked += binomial(n, k, p) }
            return min(1, max(0, blocked))
        }
        let half = (c.interval.high - c.interval.low) / 2
        let se = half / zAlpha
        guard se > 0 else { return c.verdict == .pass ? 0 : 1 }
        // Passing needs the interval wholly on the good side: estimate − half ≥ limit (at least).
        let z = c.comparison == .atLeast ? (c.limit + half - c.candidate) / se : (c.candidate + half - c.limit) / se
        return Normal.survival(-z)
    }

    /// For a rate check that passes: how many more items could go the bad way (one fewer
    /// success for `at least`, one more event for `at most`) before it stops passing; nil
    /// for means and for checks that do not pass.
    public static func slack(_ c: GateCheck) -> Int? {
        guard c.method.hasPrefix("wilson"), c.n > 0 else { return nil }
        let x = Int((c.candidate * Double(c.n)).rounded())
        guard passes(c, x) else { return nil }
        let step = c.comparison == .atMost ? 1 : -1
        var k = x + step, spare = 0
        while (0...c.n).contains(k), passes(c, k) {
            spare += 1
            k += step
        }
        return spare
    }

    /// Whether the check would pass with `k` of its n items counted.
    static func passes(_ c: GateCheck, _ k: Int) -> Bool {
        GateCheck(
            threshold: c.threshold, measure: c.measure, candidate: Double(k) / Double(c.n), baseline: nil,
            interval: Intervals.wilson(successes: k, trials: c.n), method: c.method, n: c.n, limit: c.limit, comparison: c.comparison,
            upperBoundOnly: c.method == "wilson-upper-bound"
        ).verdict == .pass
    }

    /// P(X = k) for X ~ Binomial(n, p), in logs so large n does not overflow.
    static func binomial(_ n: Int, _ k: Int, _ p: Double) -> Double {
        let logChoose = lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
        return Foundation.exp(logChoose + Double(k) * Foundation.log(p) + Double(n - k) * Foundation.log(1 - p))
    }

    public static func lines(_ reports: [GateReport]) -> [Line] {
        reports.flatMap { r in
            r.result.checks.map { c in
                let n = max(1, c.n)
                let half = (c.interval.high - c.interval.low) / 2
                let isRate = c.method.hasPrefix("wilson")
                let sd: Double
                if isRate {
                    // Rule of three at zero (or one): the variance a rate this close to the edge could have.
                    let p = min(max(c.candidate, 3 / Double(n)), 1 - 3 / Double(n))
                    sd = (p * (1 - p)).squareRoot()
                } else {
                    sd = half / zAlpha * Double(n).squareRoot()
                }
                let detectable = (zAlpha + zPower) * sd / Double(n).squareRoot()
                var toDecide: Int?
                if c.verdict == .inconclusive || (c.method == "wilson-upper-bound" && c.verdict == .fail && c.candidate <= c.limit) {
                    let gap = abs(c.candidate - c.limit)
                    if gap > 1e-9 {
                        let needed = Int(((zAlpha * max(sd, 1e-6)) / gap).rounded(.up))
                        toDecide = max(n + 1, needed * needed)
                    }
                }
                return Line(
                    gate: r.result.name, threshold: c.threshold, n: c.n, estimate: c.candidate, halfWidth: half, detectable: detectable,
                    itemsToDecide: toDecide, verdict: c.verdict, blockChance: blockChance(c), slack: slack(c))
            }
        }
    }
}
