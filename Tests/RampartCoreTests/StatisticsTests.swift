import Foundation
import Testing

@testable import RampartCore

/// Checked against scipy (Fixtures/reference/scipy-intervals.json, made by generate.py).
struct IntervalTests {
    var reference: [String: Any] { try! loadJSON(Paths.fixture("reference/scipy-intervals.json")) }

    @Test func wilsonMatchesScipy() {
        for row in reference["wilson"] as! [[String: Any]] {
            let ci = Intervals.wilson(successes: row["successes"] as! Int, trials: row["trials"] as! Int)
            #expect(abs(ci.low - (row["low"] as! Double)) < 1e-9, "\(row)")
            #expect(abs(ci.high - (row["high"] as! Double)) < 1e-9, "\(row)")
        }
    }

    @Test func tQuantileMatchesScipy() {
        for row in reference["t975"] as! [[String: Any]] {
            let df = row["df"] as! Int
            #expect(abs(Intervals.tQuantile975(df: df) - (row["q"] as! Double)) < 2e-4, "df \(df)")
        }
    }

    @Test func meanIntervalMatchesScipy() {
        for row in reference["mean"] as! [[String: Any]] {
            let r = Intervals.mean(row["values"] as! [Double])
            #expect(abs(r.mean - (row["mean"] as! Double)) < 1e-12)
            #expect(abs(r.interval.low - (row["low"] as! Double)) < 1e-4)
            #expect(abs(r.interval.high - (row["high"] as! Double)) < 1e-4)
        }
    }
}

struct SeededRandomTests {
    @Test func sameSeedSameStream() {
        var a = SeededRandom(seed: 7, stream: "traffic"), b = SeededRandom(seed: 7, stream: "traffic")
        var c = SeededRandom(seed: 7, stream: "gates")
        let xs = (0..<5).map { _ in a.next() }, ys = (0..<5).map { _ in b.next() }, zs = (0..<5).map { _ in c.next() }
        #expect(xs == ys)
        #expect(xs != zs)
    }

    @Test func poissonMeanAndUnitRange() {
        var rng = SeededRandom(seed: 1)
        for mean in [0.5, 4.0, 100.0] {
            let n = 20_000
            let total = (0..<n).reduce(0) { acc, _ in acc + rng.poisson(mean: mean) }
            let observed = Double(total) / Double(n)
            // Standard error of the mean is sqrt(mean/n); allow six of them.
            #expect(abs(observed - mean) < 6 * (mean / Double(n)).squareRoot(), "mean \(mean): \(observed)")
        }
        for _ in 0..<1000 {
            let u = rng.unit()
            #expect(u >= 0 && u < 1)
        }
    }

    @Test func logNormalHitsItsMedianAndP99() {
        var rng = SeededRandom(seed: 3)
        let dist = LogNormal(median: 800, p99: 2400)
        let xs = (0..<40_000).map { _ in dist.sample(&rng) }.sorted()
        let median = xs[xs.count / 2], p99 = xs[Int(Double(xs.count) * 0.99)]
        #expect(abs(median / 800 - 1) < 0.03)
        #expect(abs(p99 / 2400 - 1) < 0.06)
    }
}
