import Foundation
import Testing

@testable import RampartCore

/// `simulate --sweep`: the effect sizes, from none to three times each kind of margin.
@Suite struct EffectSweepTests {
    func grid(_ check: MetricCheck, _ count: Int = 7) throws -> [EffectSweep.Point] {
        try EffectSweep.points(for: check, count: count).get()
    }

    @Test func latencyIsSweptAsAMultipleOfItsRatioMargin() throws {
        let g = try grid(MetricCheck(metric: .latencyP50, maxRatio: 1.2))
        #expect(g.map(\.multiple) == [0, 0.5, 1, 1.5, 2, 2.5, 3])
        #expect(g[0].effect == nil, "none: an A/A canary")
        #expect(g[2].effect?.description == "latency=+20%")
        let c = try #require(g[6].effect?.changes.first)
        #expect(c.target == .latency && abs(c.amount - 0.6) < 1e-12)
    }

    @Test func eachMarginKindMapsToItsEffect() throws {
        #expect(
            try grid(MetricCheck(metric: .errorRate, maxIncrease: 0.03), 3).map { $0.effect?.description } == [
                nil, "error_rate=+4.5pp", "error_rate=+9pp",
            ])
        #expect(
            try grid(MetricCheck(metric: .errorRate, maxRatio: 2), 3).map { $0.effect?.description } == [nil, "error_rate=x2.5", "error_rate=x4"])
        #expect(try grid(MetricCheck(metric: .quality, maxDecrease: 0.05), 3)[2].effect?.description == "quality=-0.15")
        #expect(try grid(MetricCheck(metric: .tokensPerRequest, maxRatio: 1.5), 3)[1].effect?.description == "tokens=+75%")
    }

    @Test func aLimitWithoutAMarginCannotBeSwept() {
        guard case .failure(let e) = EffectSweep.points(for: MetricCheck(metric: .latencyP50, max: 900), count: 5) else {
            Issue.record("a max-only check was swept")
            return
        }
        #expect(e.message.contains("no margin to sweep"))
        #expect((try? EffectSweep.points(for: MetricCheck(metric: .latencyP50, maxRatio: 1.2), count: 1).get()) == nil)
    }

    @Test func theSparklineRunsFromEmptyToFull() {
        #expect(EffectSweep.sparkline([0, 0.5, 1]) == "▁▅█")
        #expect(EffectSweep.sparkline([-1, 2]) == "▁█", "shares outside 0...1 are clamped")
    }
}
