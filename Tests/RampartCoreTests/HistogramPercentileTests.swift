import Histogram
import Testing

@testable import RampartCore

/// `ArmAccumulator`'s percentiles and tail shares, read from its nonzero buckets, are the HDR
/// histogram's own `valueAtPercentile` and `count(within:)`, value for value, on histograms of
/// every shape the canary sees: one value, a few, log-normal latencies, a spike at the ceiling,
/// fine and coarse precision, and accumulators folded together.
struct HistogramPercentileTests {
    static let percentiles: [Double] = [0, 0.001, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.999, 100, 150]

    /// An accumulator and a plain histogram of the same precision, fed the same latencies.
    static func filled(_ coarse: Bool, _ n: Int, _ rng: inout SeededRandom) -> (ArmAccumulator, Histogram<UInt32>) {
        var a = coarse ? ArmAccumulator.coarse() : ArmAccumulator()
        var h = ArmAccumulator.emptyHistogram(coarse ? .two : .three)
        let latency = LogNormal(median: 50 + Double(rng.index(below: 1_000)), p99: 3_000 + Double(rng.index(below: 5_000)))
        for _ in 0..<n {
            let ms = rng.chance(0.01) ? 1e9 : latency.sample(&rng)
            a.record(latencyMs: ms, failed: false, tokens: 1, cost: 0, quality: nil)
            _ = h.record(UInt64(max(1, min(ms * 1000, Double(ArmAccumulator.ceilingMicros))).rounded()))
        }
        return (a, h)
    }

    static func check(_ a: ArmAccumulator, _ h: Histogram<UInt32>, sourceLocation: SourceLocation = #_sourceLocation) {
        let ours = a.latencies(at: percentiles.map { $0 / 100 })
        for (k, p) in percentiles.enumerated() {
            #expect(ours[k] == Double(h.valueAtPercentile(p)) / 1000, "p\(p) of \(h.totalCount) values", sourceLocation: sourceLocation)
        }
        for ms in [0.0005, 1, 49.9, 500, 850, 2_000, 3_000.5, 1e7] {
            let micros = UInt64(max(1, min(ms * 1000, Double(ArmAccumulator.ceilingMicros))))
            let share = Double(h.totalCount - h.count(within: 0...micros)) / Double(h.totalCount)
            #expect(a.fractionAbove(ms) == share, "above \(ms) ms of \(h.totalCount) values", sourceLocation: sourceLocation)
        }
    }

    @Test func bucketsGiveTheLibrarysPercentilesAndShares() {
        var rng = SeededRandom(seed: 3, stream: "histogram-percentiles")
        for round in 0..<300 {
            let (a, h) = Self.filled(round % 3 == 0, [1, 2, 3, 10, 100, 1_000, 20_000][round % 7], &rng)
            Self.check(a, h)
        }
    }

    /// Folding accumulators together (a step's windows into a recent view) gives the
    /// histogram of all their values.
    @Test func foldedAccumulatorsKeepTheLibrarysPercentiles() {
        var rng = SeededRandom(seed: 4, stream: "histogram-folds")
        for round in 0..<60 {
            var (a, h) = Self.filled(round % 2 == 0, 1 + rng.index(below: 500), &rng)
            for _ in 0..<(1 + rng.index(below: 4)) {
                let (b, g) = Self.filled(round % 2 == 0, rng.index(below: 300), &rng)
                a.add(b)
                h.add(g)
            }
            Self.check(a, h)
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
