import Foundation

/// Mann-Whitney U and the Hodges-Lehmann shift interval, as Kayenta computes them (a port of
/// R's `wilcox.test(experiment, control, conf.int = TRUE, exact = FALSE, correct = TRUE)`).
public enum MannWhitney {
    /// Average ranks (1-based) of `values`, ties sharing the mean of their positions.
    public static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var out = [Double](repeating: 0, count: values.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && values[order[j + 1]] == values[order[i]] { j += 1 }
            let r = Double(i + j) / 2 + 1
            for k in i...j { out[order[k]] = r }
            i = j + 1
        }
        return out
    }

    /// Σ(t³ − t) over groups of tied values.
    static func tieTerm(_ values: [Double]) -> Double {
        var counts: [Double: Int] = [:]
        for v in values { counts[v, default: 0] += 1 }
        return counts.values.reduce(0) { $0 + Double($1 * $1 * $1 - $1) }
    }

    public struct Test: Sendable, Equatable {
        /// U of the first sample (`x`): the number of pairs with x > y, ties counting one half.
        public var u: Double
        /// Two-sided p-value, normal approximation with tie and continuity corrections.
        public var p: Double
    }

    /// scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic", use_continuity=True).
    public static func test(_ x: [Double], _ y: [Double]) -> Test {
        let n1 = Double(x.count), n2 = Double(y.count)
        let r = ranks(x + y)
        let r1 = r[0..<x.count].reduce(0, +)
        let u = r1 - n1 * (n1 + 1) / 2
        let mu = n1 * n2 / 2
        let n = n1 + n2
        let sigma = ((n1 * n2 / 12) * ((n + 1) - tieTerm(x + y) / (n * (n - 1)))).squareRoot()
        guard sigma > 0 else { return Test(u: u, p: 1) }
        let z = (abs(u - mu) - 0.5) / sigma
        return Test(u: u, p: min(1, 2 * Normal.survival(max(z, 0))))
    }

    /// The shift estimate and its confidence interval for location(x) − location(y).
    public struct Shift: Sendable, Equatable {
        public var estimate: Double
        public var lower: Double
        public var upper: Double
    }

    /// R's algorithm: the shift d where the standardised rank statistic of (x − d) against y
    /// crosses 0 (the estimate) and ±z (the interval), found by bisection on [min x − max y,
    /// max x − min y].
    public static func shift(_ x: [Double], _ y: [Double], confidence: Double) -> Shift? {
        guard !x.isEmpty, !y.isEmpty else { return nil }
        let statistic = RankStatistic(x, y)
        func w(_ d: Double, _ zq: Double) -> Double? { statistic.value(shift: d, minus: zq) }
        guard let xMin = x.min(), let xMax = x.max(), let yMin = y.min(), let yMax = y.max() else { return nil }
        let lo = xMin - yMax
        let hi = xMax - yMin
        func root(_ zq: Double) -> Double? {
            guard let fl = w(lo, zq), let fh = w(hi, zq) else { return nil }
            if fl <= 0 { return lo }
            if fh >= 0 { return hi }
            var a = lo, b = hi
            for _ in 0..<80 {
                let m = (a + b) / 2
                guard let fm = w(m, zq) else { return nil }
                if fm > 0 { a = m } else { b = m }
                if b - a < 1e-12 * max(1, abs(hi - lo)) { break }
            }
            return (a + b) / 2
        }
        /// The statistic is exactly 0 on a whole interval of shifts (|dz| ≤ ½ after the
        /// continuity correction), so "the root" at 0 is any point of it; R and scipy's solvers
        /// land anywhere inside. Take the interval's midpoint: unique and symmetric.
        func plateauMidpoint() -> Double? {
            guard let fl = w(lo, 0), let fh = w(hi, 0) else { return nil }
            if fl <= 0 { return lo }
            if fh >= 0 { return hi }
            func edge(_ past: (Double) -> Bool) -> Double {
                var a = lo, b = hi
                for _ in 0..<100 {
                    let m = (a + b) / 2
                    if past(m) { b = m } else { a = m }
                }
                return (a + b) / 2
            }
            let start = edge { (w($0, 0) ?? 0) <= 0 }
            let end = edge { (w($0, 0) ?? 0) < 0 }
            return (start + end) / 2
        }
        let z = Normal.quantile(1 - (1 - confidence) / 2)
        guard let est = plateauMidpoint(), let l = root(z), let u = root(-z) else { return nil }
        return Shift(estimate: est, lower: l, upper: u)
    }
}

/// The standardised rank statistic of (x − d) against y that `shift` solves for, a few hundred
/// times per call. Both samples are sorted once; for each d the pooled ranks and ties come from
/// one merge of the two sorted lists (x − d keeps x's order), not a sort and a dictionary of the
/// pooled values: the same groups of equal values, so the same rank sum and tie term, exactly
/// (half-integer ranks and integer tie terms add without rounding). Kayenta's analyses of long
/// steps spent nearly all their time here. Samples with a non-finite value take `reference`.
struct RankStatistic {
    let x: [Double], y: [Double]
    let xs: [Double], ys: [Double]
    let finite: Bool

    init(_ x: [Double], _ y: [Double]) {
        self.x = x
        self.y = y
        xs = x.sorted()
        ys = y.sorted()
        finite = x.allSatisfy(\.isFinite) && y.allSatisfy(\.isFinite)
    }

    func value(shift d: Double, minus zq: Double) -> Double? {
        guard finite else { return reference(shift: d, minus: zq) }
        let nx = xs.count, ny = ys.count
        var i = 0, j = 0, position = 0
        var rankSum = 0.0, ties = 0.0
        while i < nx || j < ny {
            let v = i < nx && j < ny ? min(xs[i] - d, ys[j]) : (i < nx ? xs[i] - d : ys[j])
            var inX = 0, inY = 0
            while i < nx && xs[i] - d == v {
                inX += 1
                i += 1
            }
            while j < ny && ys[j] == v {
                inY += 1
                j += 1
            }
            let t = inX + inY
            rankSum += (Double(2 * position + t - 1) / 2 + 1) * Double(inX)
            ties += Double(t * t * t - t)
            position += t
        }
        return Self.standardised(rankSum: rankSum, ties: ties, nx: Double(nx), ny: Double(ny), minus: zq)
    }

    /// The statistic from a sort of the pooled values, as R computes it.
    func reference(shift d: Double, minus zq: Double) -> Double? {
        let pooled = x.map { $0 - d } + y
        let r = MannWhitney.ranks(pooled)
        return Self.standardised(
            rankSum: r[0..<x.count].reduce(0, +), ties: MannWhitney.tieTerm(pooled), nx: Double(x.count), ny: Double(y.count), minus: zq)
    }

    static func standardised(rankSum: Double, ties: Double, nx: Double, ny: Double, minus zq: Double) -> Double? {
        let dz = rankSum - nx * (nx + 1) / 2 - nx * ny / 2
        let correction = dz == 0 ? 0 : (dz > 0 ? 0.5 : -0.5)
        let sigma = ((nx * ny / 12) * ((nx + ny + 1) - ties / ((nx + ny) * (nx + ny - 1)))).squareRoot()
        guard sigma > 0 else { return nil }
        return (dz - correction) / sigma - zq
    }
}

/// The standard normal's tail and quantile (Acklam's rational approximation, refined by one
/// Halley step to full double precision).
public enum Normal {
    public static func survival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }

    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
            2.506628277459239e+00,
        ]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
            2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        var x: Double
        if p < 0.02425 {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p > 1 - 0.02425 {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else {
            let q = p - 0.5, r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        return x - u / (1 + x * u / 2)
    }
}
