import Foundation

/// The normal-mixture confidence sequence for a difference of two means (Robbins' mixture, the
/// mSPRT of Johari et al. with unequal arms): valid at every look at once, so a judge may check
/// after every request and still hold its error rate.
///
/// With Z = mean_c − mean_b, V = s_c²/n_c + s_b²/n_b and a N(θ₀, τ²) mixing distribution,
///
///     Λ(θ₀) = sqrt(V/(V+τ²)) · exp(τ²(Z−θ₀)² / (2V(V+τ²)))
///
/// is a test martingale under H₀: θ = θ₀ (asymptotically, with the variances plugged in), so
/// P(∃t: Λ_t ≥ 1/α) ≤ α (Ville). Inverting it gives the sequence Z ± halfWidth(α).
public enum ConfidenceSequence {
    /// Half-width at level α: sqrt((V(V+τ²)/τ²) · (2 ln(1/α) + ln((V+τ²)/V))).
    public static func halfWidth(variance v: Double, tau: Double, alpha: Double) -> Double {
        guard v > 0, tau > 0 else { return .infinity }
        let t2 = tau * tau
        return ((v * (v + t2) / t2) * (2 * Foundation.log(1 / alpha) + Foundation.log((v + t2) / v))).squareRoot()
    }

    /// ln Λ⁺ for an excess d = Z − θ₀: the mixture over θ > θ₀ only (a half-normal of scale τ),
    ///
    ///     Λ⁺ = 2 · sqrt(V/(V+τ²)) · exp(τ²d² / (2V(V+τ²))) · Φ(τd / sqrt(V(V+τ²)))
    ///
    /// Each side's question is one-sided ("worse than the tolerance?", "better than the
    /// margin?"), and the two-sided mixture spends half its mass on the side that does not
    /// answer it: Λ⁺ is nearly 2Λ where it matters, so a boundary is reached on fewer requests
    /// at the same α. Every component is a likelihood ratio against θ₀ for some θ > θ₀, a
    /// supermartingale under any θ ≤ θ₀, so Λ⁺ tests the composite null θ ≤ θ₀ and, unlike the
    /// two-sided Λ, never grows on evidence from the other side (d < 0 drives it to 0).
    public static func oneSidedLogEvidence(excess d: Double, variance v: Double, tau: Double) -> Double {
        guard v > 0, tau > 0 else { return 0 }
        let t2 = tau * tau
        let x = tau * d / (v * (v + t2)).squareRoot()
        return Foundation.log(2) + 0.5 * Foundation.log(v / (v + t2)) + t2 * d * d / (2 * v * (v + t2)) + logPhi(x)
    }

    /// The one-sided sequence's half-width at level α: the excess h at which ln Λ⁺ = ln(1/α), so
    /// Z − h bounds θ from below (and Z + h from above, for the other side's mirror image).
    /// Λ⁺ differs from 2Λ only by Φ(x), x ≈ 3 there, so the two-sided half-width at 2α is within
    /// a hair; Newton's steps from it settle the rest.
    public static func oneSidedHalfWidth(variance v: Double, tau: Double, alpha: Double) -> Double {
        guard v > 0, tau > 0 else { return .infinity }
        let t2 = tau * tau
        let target = Foundation.log(1 / alpha)
        let s = (v * (v + t2)).squareRoot()
        var h = halfWidth(variance: v, tau: tau, alpha: min(1, 2 * alpha))
        for _ in 0..<8 {
            let x = tau * h / s
            let f = oneSidedLogEvidence(excess: h, variance: v, tau: tau) - target
            // d/dh: the quadratic term's slope plus the Mills-ratio term of ln Φ.
            let slope = t2 * h / (v * (v + t2)) + Foundation.exp(logPhiDensity(x) - logPhi(x)) * tau / s
            guard slope > 0, f.isFinite else { break }
            let step = f / slope
            h = max(h - step, h / 2)
            if abs(step) <= 1e-13 * max(h, 1e-300) { break }
        }
        return h
    }

    /// ln Φ(x), accurate in both tails (erfc keeps the far left tail from rounding to 0).
    static func logPhi(_ x: Double) -> Double {
        x > -30 ? Foundation.log(0.5 * erfc(-x / 2.0.squareRoot())) : logPhiDensity(x) - Foundation.log(-x)
    }

    /// ln φ(x), the standard normal density.
    static func logPhiDensity(_ x: Double) -> Double { -0.5 * x * x - 0.5 * Foundation.log(2 * Double.pi) }
}

/// The Netflix-style test for counts (errors, violations) that needs only which arm each event
/// came from, and stays valid as the weight changes between steps.
///
/// If the candidate's per-request rate is θ times the baseline's, an event that happens while the
/// candidate holds share w came from the candidate with probability ρ(θ) = wθ / (wθ + 1 − w).
/// The mixture over a grid of θ_k > θ₀ of Π ρ_i(θ_k)^y (1−ρ_i(θ_k))^(1−y) / ρ_i(θ₀)^y (1−ρ_i(θ₀))^(1−y)
/// is a test supermartingale under H₀: θ ≤ θ₀ (the likelihood ratio is monotone in θ), so
/// reject, "the candidate is worse than θ₀ times the baseline", when it reaches 1/α.
public struct CountMartingale: Sendable, Equatable {
    public let theta0: Double
    /// log of each grid component's running likelihood ratio; uniform prior over the grid.
    private var logComponents: [Double]
    private let grid: [Double]
    public private(set) var events = 0
    public private(set) var candidateEvents = 0

    /// A grid from θ₀·1.1 to θ₀·20, log-spaced: from a small to a gross degradation.
    public init(theta0: Double = 1) {
        self.theta0 = theta0
        grid = (0..<24).map { theta0 * Foundation.exp(Foundation.log(1.1) + Double($0) / 23 * (Foundation.log(20) - Foundation.log(1.1))) }
        logComponents = Array(repeating: 0, count: 24)
    }

    static func rho(_ theta: Double, _ w: Double) -> Double { w * theta / (w * theta + 1 - w) }

    /// One event; `share` is the candidate's share of traffic (0...1) when it happened.
    public mutating func observe(fromCandidate: Bool, share w: Double) {
        guard w > 0, w < 1 else { return }  // at 0 % or 100 % an event says nothing about the ratio
        events += 1
        if fromCandidate { candidateEvents += 1 }
        let r0 = CountMartingale.rho(theta0, w)
        for k in grid.indices {
            let r = CountMartingale.rho(grid[k], w)
            logComponents[k] += fromCandidate ? Foundation.log(r / r0) : Foundation.log((1 - r) / (1 - r0))
        }
    }

    /// ln M: log of the mixture's value.
    public var logValue: Double {
        let top = logComponents.max() ?? 0
        let sum = logComponents.reduce(0) { $0 + Foundation.exp($1 - top) }
        return top + Foundation.log(sum / Double(logComponents.count))
    }

    public func rejects(alpha: Double) -> Bool { logValue >= Foundation.log(1 / alpha) }
}
