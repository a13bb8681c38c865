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
                    itemsToDecide: toDecide, verdict: c.verdict)
            }
        }
    }
}
