import RampartCore
import Testing

@testable import RampartTUI

/// The selected metric's trade-off: evidence toward each side and the estimate against the
/// rollback boundary and the margin.
@Suite struct TradeOffTests {
    func evidence(
        estimate: Double = 0.1, lower: Double = 0.02, upper: Double = 0.2, tolerance: Double? = 0.061, rollback: Double = 1.5,
        promote: Double = 0, more: Int? = 340, eta: Double? = 170
    ) -> MetricEvidence {
        var e = MetricEvidence(
            scale: "log-ratio", estimate: estimate, lower: lower, upper: upper, margin: 0.182, evidence: rollback, boundary: 3.7,
            nBaseline: 800, nCandidate: 200, eta: eta, leaning: "harm", tolerance: tolerance)
        e.rollbackEvidence = rollback
        e.rollbackBoundary = 3.7
        e.promoteEvidence = promote
        e.promoteBoundary = 3.0
        e.requestsToDecision = more
        return e
    }

    @Test func theTugFillsOutwardFromTheCentreBySide() throws {
        let t = try #require(TradeOff(evidence(rollback: 1.85, promote: 3.2), metric: .latencyP50, glyphs: .ascii))
        let text = t.tug(half: 8).map(\.text).joined()
        #expect(text == "....####|########", "half the way to roll back, past the promotion threshold: \(text)")
        let inks = t.tug(half: 8).filter { !$0.text.isEmpty }.map(\.ink)
        #expect(inks == [.empty, .rollback, .axis, .promote])
    }

    @Test func theAxisPlacesTheBoundariesAndTheEstimateInOrder() throws {
        let t = try #require(TradeOff(evidence(), metric: .latencyP50, glyphs: .ascii))
        let axis = try #require(t.axis(width: 40))
        let line = axis.runs.map(\.text).joined()
        #expect(line.count == 40)
        let r = try #require(line.firstIndex(of: "R")), p = try #require(line.firstIndex(of: "P")), star = try #require(line.firstIndex(of: "*"))
        #expect(r < star && star < p, "tolerance ×1.063 < estimate ×1.105 < margin ×1.200: \(line)")
        #expect(line[line.index(after: r)] == "=", "the interval [×1.020, ×1.221] covers the tolerance's neighbourhood: \(line)")
        #expect(axis.low < 0 && axis.high > 0.2)
        #expect(t.legend == "R roll back past ×1.063 · P promote under ×1.200")
        // With no tolerance inside the margin, one boundary serves both sides.
        let single = try #require(TradeOff(evidence(tolerance: nil), metric: .latencyP50, glyphs: .unicode))
        let one = try #require(single.axis(width: 30)).runs.map(\.text).joined()
        #expect(one.contains("M") && !one.contains("R") && one.contains("●"))
        #expect(single.legend.hasPrefix("M margin ×1.200"))
    }

    @Test func theSummarySaysWhatTheDecisionCosts() throws {
        #expect(
            try #require(TradeOff(evidence(), metric: .latencyP50, glyphs: .ascii)).summary
                == "1.5/3.7 to roll back · 0.0/3.0 to promote · ~340 more candidate requests to roll back (~2:50)")
        #expect(
            try #require(TradeOff(evidence(more: nil, eta: nil), metric: .latencyP50, glyphs: .ascii)).summary.hasSuffix(
                "no decision in sight at this estimate"))
        #expect(try #require(TradeOff(evidence(rollback: 4, more: nil), metric: .latencyP50, glyphs: .ascii)).summary.hasSuffix("harm shown"))
        // The judge rolls back on all its metrics at once: shown beside this one's own gauge, and
        // said when it is the combined test, not this metric alone, that shows harm.
        var joint = try #require(TradeOff(evidence(), metric: .latencyP50, glyphs: .ascii))
        joint.combined = (2.2, 3.0, 6)
        #expect(joint.summary.hasPrefix("1.5/3.7 to roll back (all 6: 2.2/3.0) · 0.0/3.0 to promote · ~340 more"), "\(joint.summary)")
        joint.combined = (3.1, 3.0, 6)
        #expect(joint.summary.hasSuffix(" · harm shown with the other metrics"), "\(joint.summary)")
        // Gathering (no bounds yet) still draws; other judges and old recordings draw nothing.
        #expect(TradeOff(evidence(lower: -.infinity, upper: .infinity), metric: .latencyP50, glyphs: .ascii)?.axis(width: 20) != nil)
        var old = evidence()
        old.rollbackEvidence = nil
        #expect(TradeOff(old, metric: .latencyP50, glyphs: .ascii) == nil)
        var errors = evidence()
        errors.scale = "difference"
        #expect(TradeOff(errors, metric: .errorRate, glyphs: .ascii)?.value(0.03) == "+3.00pp")
    }
}
