import Foundation

/// A change to a version's sim profile for `rampart simulate`: what a harmful candidate does,
/// one metric or several at once (a real regression rarely moves one thing: a slower model that
/// also times out more).
public struct SimulationEffect: Sendable, Equatable, CustomStringConvertible {
    public enum Target: String, Sendable, CaseIterable {
        /// Median and p99 latency scaled by (1 + amount).
        case latency
        /// Error rate raised by an absolute amount, or multiplied.
        case errorRate = "error_rate"
        /// Answers degraded: `substitute` raised by the amount (quality falls roughly as much).
        case quality
        /// Answers longer: verbosity scaled by (1 + amount), so tokens and cost grow.
        case tokens
    }

    /// One metric's change.
    public struct Change: Sendable, Equatable {
        public var target: Target
        /// A fraction: +0.1 is +10 % for relative targets, +0.1 is ten points for error_rate.
        public var amount: Double
        /// `xN`: the metric multiplied by `amount` instead (the error rate doubled by `x2`).
        public var multiplies: Bool

        public init(target: Target, amount: Double, multiplies: Bool = false) {
            self.target = target
            self.amount = amount
            self.multiplies = multiplies
        }
    }

    public var changes: [Change]

    public init(target: Target, amount: Double) {
        changes = [Change(target: target, amount: amount)]
    }

    public init(changes: [Change]) {
        self.changes = changes
    }

    /// `latency=+30%`, `error_rate=+0.03`, `error_rate=+3%`, `error_rate=x2`, `quality=-0.1`,
    /// `tokens=+50%`, or several joined by commas: `latency=+30%,error_rate=x2`. Nil for
    /// anything else, a metric named twice, or a multiplier on quality.
    public static func parse(_ text: String) -> SimulationEffect? {
        var changes: [Change] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let change = parseChange(String(part)), !changes.contains(where: { $0.target == change.target }) else { return nil }
            changes.append(change)
        }
        return changes.isEmpty ? nil : SimulationEffect(changes: changes)
    }

    static func parseChange(_ text: String) -> Change? {
        let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2, let target = Target(rawValue: parts[0]) else { return nil }
        var number = parts[1]
        if number.hasPrefix("x") || number.hasPrefix("×") {
            number.removeFirst()
            guard target != .quality, let factor = Double(number), factor.isFinite, factor >= 0, factor <= 1000 else { return nil }
            return Change(target: target, amount: factor, multiplies: true)
        }
        var scale = 1.0
        if number.hasSuffix("%") {
            number.removeLast()
            scale = 0.01
        }
        guard let v = Double(number), v.isFinite, abs(v * scale) <= 1000 else { return nil }
        var amount = v * scale
        if target == .quality { amount = abs(amount) }  // quality effects only ever degrade
        return Change(target: target, amount: amount)
    }

    public func apply(to p: SimProfile) -> SimProfile {
        var q = p
        for c in changes {
            let factor = c.multiplies ? c.amount : 1 + c.amount
            switch c.target {
            case .latency:
                q.latencyMedianMs *= max(0, factor)
                q.latencyP99Ms *= max(0, factor)
            case .errorRate: q.errorRate = min(1, max(0, c.multiplies ? q.errorRate * c.amount : q.errorRate + c.amount))
            case .quality: q.substitute = min(1, q.substitute + c.amount)
            case .tokens: q.verbosity *= max(0, factor)
            }
        }
        return q
    }

    public var description: String {
        changes.map { c in
            if c.multiplies { return "\(c.target.rawValue)=x\(String(format: "%g", c.amount))" }
            switch c.target {
            case .errorRate: return "\(c.target.rawValue)=\(String(format: "%+g", c.amount * 100))pp"
            case .quality: return "quality=-\(String(format: "%g", c.amount))"
            default: return "\(c.target.rawValue)=\(String(format: "%+g", c.amount * 100))%"
            }
        }.joined(separator: ",")
    }
}
