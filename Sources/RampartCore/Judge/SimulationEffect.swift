import Foundation

/// A change to a version's sim profile for `rampart simulate`: what a harmful candidate does.
public struct SimulationEffect: Sendable, Equatable, CustomStringConvertible {
    public enum Target: String, Sendable, CaseIterable {
        /// Median and p99 latency scaled by (1 + amount).
        case latency
        /// Error rate raised by an absolute amount.
        case errorRate = "error_rate"
        /// Answers degraded: `substitute` raised by the amount (quality falls roughly as much).
        case quality
        /// Answers longer: verbosity scaled by (1 + amount), so tokens and cost grow.
        case tokens
    }

    public var target: Target
    /// A fraction: +0.1 is +10 % for relative targets, +0.1 is ten points for error_rate.
    public var amount: Double

    public init(target: Target, amount: Double) {
        self.target = target
        self.amount = amount
    }

    /// `latency=+30%`, `error_rate=+0.03`, `error_rate=+3%`, `quality=-0.1`, `tokens=+50%`.
    public static func parse(_ text: String) -> SimulationEffect? {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let target = Target(rawValue: parts[0]) else { return nil }
        var number = parts[1].trimmingCharacters(in: .whitespaces)
        var scale = 1.0
        if number.hasSuffix("%") {
            number.removeLast()
            scale = 0.01
        }
        guard let v = Double(number), v.isFinite else { return nil }
        var amount = v * scale
        if target == .quality { amount = abs(amount) }  // quality effects only ever degrade
        return SimulationEffect(target: target, amount: amount)
    }

    public func apply(to p: SimProfile) -> SimProfile {
        var q = p
        switch target {
        case .latency:
            q.latencyMedianMs *= 1 + amount
            q.latencyP99Ms *= 1 + amount
        case .errorRate: q.errorRate = min(1, max(0, q.errorRate + amount))
        case .quality: q.substitute = min(1, q.substitute + amount)
        case .tokens: q.verbosity *= 1 + amount
        }
        return q
    }

    public var description: String {
        switch target {
        case .errorRate: "\(target.rawValue)=\(String(format: "%+g", amount * 100))pp"
        case .quality: "quality=-\(String(format: "%g", amount))"
        default: "\(target.rawValue)=\(String(format: "%+g", amount * 100))%"
        }
    }
}
