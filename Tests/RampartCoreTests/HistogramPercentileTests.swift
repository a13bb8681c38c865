import Histogram
import Testing

@testable import RampartCore

/// `ArmAccumulator`'s one-walk percentiles are the HDR histogram's own `valueAtPercentile`,
/// value for value, on histograms of every shape the canary sees: one value, a few, log-normal
/// latencies, a spike at the ceiling, fine and coarse precision.
struct HistogramPercentileTests {
    static let percentiles: [Double] = [0, 0.001, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.999, 100, 150]

    static func check(_ h: Histogram<UInt32>, sourceLocation: SourceLocation = #_sourceLocation) {
        let ours = ArmAccumulator.values(h, atPercentiles: percentiles)
        for (k, p) in percentiles.enumerated() {
            #expect(ours[k] == h.valueAtPercentile(p), "p\(p) of \(h.totalCount) values", sourceLocation: sourceLocation)
        }
    }

    @Test func oneWalkGivesTheLibrarysPercentiles() {
        var rng = SeededRandom(seed: 3, stream: "histogram-percentiles")
        for round in 0..<300 {
            var h = ArmAccumulator.emptyHistogram(round % 3 == 0 ? .two : .three)
            let n = [1, 2, 3, 10, 100, 1_000, 20_000][round % 7]
            let latency = LogNormal(median: 50 + Double(rng.index(below: 1_000)), p99: 3_000 + Double(rng.index(below: 5_000)))
            for _ in 0..<n {
                let ms = rng.chance(0.01) ? 1e9 : latency.sample(&rng)
                _ = h.record(UInt64(max(1, min(ms * 1000, Double(ArmAccumulator.ceilingMicros))).rounded()))
            }
            Self.check(h)
        }
    }

    @Test func metricsUseTheSamePercentiles() {
        var a = ArmAccumulator()
        for ms in [0.4, 12, 12, 850, 851, 2_600, 90_000] { a.record(latencyMs: ms, failed: false, tokens: 1, cost: 0, quality: nil) }
        let m = a.metrics()
        #expect(m.latencyP50 == a.latency(at: 0.5) && m.latencyP95 == a.latency(at: 0.95) && m.latencyP99 == a.latency(at: 0.99))
        let p50 = m.latencyP50 ?? .nan
        #expect(abs(p50 - 851) / 851 < 0.001, "the 4th of 7 values, to the histogram's precision: \(p50)")
        #expect(ArmAccumulator().latencies(at: [0.5, 0.99]) == [nil, nil])
    }
}
