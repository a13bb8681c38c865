import Foundation
import RampartCore

/// Where one metric's evidence sits between rolling back and promoting, drawn so an operator
/// can see why the canary waits: how far each side's evidence has come against its threshold,
/// where the estimate and its interval fall against the rollback boundary and the margin, and
/// what the decision still costs in candidate requests. Pure: strings and runs, no screen.
struct TradeOff {
    enum Ink: Equatable {
        case axis, interval, estimate, rollback, promote, empty
    }

    struct Run: Equatable {
        var text: String
        var ink: Ink
    }

    let evidence: MetricEvidence
    let metric: CanaryMetric
    let glyphs: Glyphs
    /// The rollback test over all the judge's metrics at once (the mean of their e-values), which
    /// can decide before this metric's own gauge is full: ln evidence, its boundary, how many.
    var combined: (evidence: Double, boundary: Double, metrics: Int)?

    /// Nil for a judge that does not weigh both sides (threshold, Kayenta, recordings from before).
    init?(_ e: MetricEvidence?, metric: CanaryMetric, glyphs: Glyphs) {
        guard let e, e.rollbackProgress != nil, e.promoteProgress != nil else { return nil }
        evidence = e
        self.metric = metric
        self.glyphs = glyphs
    }

    /// The tug: rollback evidence fills leftwards from the centre, promotion evidence rightwards,
    /// each `half` cells for the whole way to its threshold.
    func tug(half: Int) -> [Run] {
        let r = Self.cells(evidence.rollbackProgress ?? 0, half), p = Self.cells(evidence.promoteProgress ?? 0, half)
        return [
            Run(text: String(repeating: glyphs.gaugeEmpty, count: half - r), ink: .empty),
            Run(text: String(repeating: glyphs.gaugeFull, count: r), ink: .rollback),
            Run(text: glyphs.vertical, ink: .axis),
            Run(text: String(repeating: glyphs.gaugeFull, count: p), ink: .promote),
            Run(text: String(repeating: glyphs.gaugeEmpty, count: half - p), ink: .empty),
        ]
    }

    static func cells(_ progress: Double, _ half: Int) -> Int {
        min(half, max(0, Int((progress * Double(half)).rounded(.down))))
    }

    /// "1.2/3.7 to roll back · 2.1/3.0 to promote · ~340 more candidate requests to promote (~1:40)".
    var summary: String {
        let e = evidence
        func side(_ v: Double?, _ b: Double?) -> String { String(format: "%.1f/%.1f", v ?? 0, b ?? 0) }
        var text = "\(side(e.rollbackEvidence, e.rollbackBoundary)) to roll back"
        if let c = combined { text += " (all \(c.metrics): \(side(c.evidence, c.boundary)))" }
        text += " · \(side(e.promoteEvidence, e.promoteBoundary)) to promote"
        let goal = e.leaning == "harm" ? "roll back" : "promote"
        if let c = combined, c.evidence >= c.boundary, (e.rollbackProgress ?? 0) < 1 {
            text += " · harm shown with the other metrics"
        } else if let n = e.requestsToDecision {
            let eta = e.eta.map { " (~\(Widgets.clock($0)))" } ?? ""
            let unit = e.scale == "paired-difference" ? "mirrored prompts" : "candidate requests"
            text += n == 0 ? " · deciding now" : " · ~\(n) more \(unit) to \(goal)\(eta)"
        } else if (e.rollbackProgress ?? 0) >= 1 {
            text += " · harm shown"
        } else if (e.promoteProgress ?? 0) >= 1 {
            text += " · shown within the margin"
        } else {
            text += " · no decision in sight at this estimate"
        }
        return text
    }

    /// The harm axis, `width` cells: the interval and estimate against the rollback boundary
    /// (R) and the margin (P); with no tolerance inside the margin, one boundary (M) for both.
    /// Returns the runs and the values at the two ends.
    func axis(width: Int) -> (runs: [Run], low: Double, high: Double)? {
        guard width >= 12 else { return nil }
        let e = evidence
        let rollbackAt = e.tolerance ?? e.margin
        let finite = [0, e.estimate, e.margin, rollbackAt, e.lower, e.upper].filter(\.isFinite)
        guard var low = finite.min(), var high = finite.max() else { return nil }
        let span = high - low > 1e-12 ? high - low : max(abs(e.margin), 1e-3)
        low -= span * 0.08
        high += span * 0.08
        func at(_ v: Double) -> Int { min(width - 1, max(0, Int(((v - low) / (high - low) * Double(width - 1)).rounded()))) }
        var ink = [Ink](repeating: .axis, count: width)
        var text = [String](repeating: glyphs.horizontal, count: width)
        let from = at(e.lower.isFinite ? e.lower : low), to = at(e.upper.isFinite ? e.upper : high)
        for i in from...max(from, to) {
            ink[i] = .interval
            text[i] = glyphs.interval
        }
        if e.tolerance != nil {
            text[at(rollbackAt)] = "R"
            ink[at(rollbackAt)] = .rollback
            text[at(e.margin)] = "P"
            ink[at(e.margin)] = .promote
        } else {
            text[at(e.margin)] = "M"
            ink[at(e.margin)] = .rollback
        }
        if e.estimate.isFinite {
            text[at(e.estimate)] = glyphs.estimate
            ink[at(e.estimate)] = .estimate
        }
        var runs: [Run] = []
        for i in 0..<width {
            if let last = runs.last, last.ink == ink[i] {
                runs[runs.count - 1].text += text[i]
            } else {
                runs.append(Run(text: text[i], ink: ink[i]))
            }
        }
        return (runs, low, high)
    }

    /// The legend after the axis: what R and P (or M) stand for, in the metric's own units.
    var legend: String {
        let e = evidence
        guard let t = e.tolerance else { return "M margin \(value(e.margin)): roll back above, promote below" }
        return "R roll back past \(value(t)) · P promote under \(value(e.margin))"
    }

    /// A point on the harm scale in the units an operator reads: a ratio, points, a score.
    func value(_ v: Double) -> String {
        switch evidence.scale {
        case "log-ratio": return String(format: "×%.3f", Foundation.exp(v))
        case "difference" where metric == .errorRate: return String(format: "%+.2fpp", v * 100)
        case "difference", "paired-difference": return String(format: "%+.3f", v)
        case "tail-share": return String(format: "%.1f%% slow", (v + 0.05) * 100)
        default: return String(format: "%+.4g", v)
        }
    }
}
