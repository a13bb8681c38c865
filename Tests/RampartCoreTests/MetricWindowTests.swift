import Testing

@testable import RampartCore

/// One publishing interval's aggregates: what a backend that keeps sums and distributions is
/// given about each version.
struct MetricWindowTests {
    @Test func countsTotalsAndDistributionsPerVersionWithoutClientErrors() {
        var w = MetricWindow()
        var failed = Observation(variant: .candidate, latencyMs: 900, status: 502, failed: true)
        failed.critical = true
        var streamed = Observation(variant: .candidate, latencyMs: 120, promptTokens: 10, completionTokens: 5, cost: 0.002, quality: 0.8)
        streamed.ttftMs = 40
        for o in [
            Observation(variant: .baseline, latencyMs: 100, promptTokens: 7, completionTokens: 3, cost: 0.001),
            Observation(variant: .baseline, latencyMs: 50, status: 429),  // the caller's error: left out
            failed, streamed,
        ] { w.add(o) }
        #expect(w.arms[.baseline]?.requests == 1 && w.arms[.baseline]?.latencyMs == [100] && w.arms[.baseline]?.promptTokens == 7)
        let c = w.arms[.candidate]
        #expect(c?.requests == 2 && c?.errors == 1 && c?.critical == 1 && c?.quality == [0.8] && c?.ttftMs == [40])
        #expect(c?.completionTokens == 5 && abs((c?.cost ?? 0) - 0.002) < 1e-12)
        #expect(!w.isEmpty && MetricWindow().isEmpty)
        // A hostile upstream's token count never traps.
        var huge = MetricWindow()
        huge.add(Observation(variant: .baseline, latencyMs: 1, promptTokens: Int.max))
        huge.add(Observation(variant: .baseline, latencyMs: 1, promptTokens: Int.max))
        #expect(huge.arms[.baseline]?.promptTokens == Int.max)
    }

    @Test func distributionsKeepThreeSignificantDigitsInChunksOf150() {
        #expect(MetricWindow.round(123.456, digits: 3) == 123)
        #expect(MetricWindow.round(0.0012345, digits: 3) == 0.00123)
        #expect(MetricWindow.round(98765, digits: 3) == 98800)
        #expect(MetricWindow.round(0, digits: 3) == 0)
        let d = MetricWindow.distribution([100.04, 100.01, 250, 100.2, 99.96])
        #expect(d.count == 1)
        #expect(d[0].map(\.value) == [100, 250] && d[0].map(\.count) == [4, 1])
        // 1,000 distinct values: seven datums, each at most 150 values, ascending, nothing lost.
        let many = MetricWindow.distribution((1...1000).map { Double($0) })
        #expect(many.count == 7 && many.allSatisfy { $0.count <= 150 })
        #expect(many.flatMap { $0 }.map(\.count).reduce(0, +) == 1000)
        let values = many.flatMap { $0 }.map(\.value)
        #expect(values == values.sorted())
    }
}
