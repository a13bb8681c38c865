import Foundation
import Testing

@testable import RampartCore

/// McNemar and Wilcoxon against scipy (Fixtures/reference/scipy-paired.json); bootstrap properties.
struct PairedStatisticsTests {
    var reference: [String: Any] { try! loadJSON(Paths.fixture("reference/scipy-paired.json")) }

    @Test func mcnemarMatchesScipysBinomialTest() {
        for row in reference["mcnemar"] as! [[String: Any]] {
            let r = PairedTests.mcnemar(b: row["b"] as! Int, c: row["c"] as! Int)
            #expect(abs(r.pValue - (row["p"] as! NSNumber).doubleValue) < 1e-9, "\(row)")
        }
    }

    @Test func wilcoxonMatchesScipyExactAndNormal() {
        for row in reference["wilcoxon"] as! [[String: Any]] {
            let d = (row["d"] as! [NSNumber]).map(\.doubleValue)
            let r = PairedTests.wilcoxon(d)
            let method = row["method"] as! String
            #expect(r.method == (method == "exact" ? "wilcoxon-exact" : "wilcoxon-normal"))
            #expect(abs(r.statistic - (row["statistic"] as! NSNumber).doubleValue) < 1e-9)
            #expect(abs(r.pValue - (row["p"] as! NSNumber).doubleValue) < 1e-6, "\(method) n=\(d.count)")
        }
    }

    @Test func bootstrapIsSeededAndBracketsTheMean() {
        let values = (0..<60).map { Double($0 % 7) / 7 }
        let a = Bootstrap.mean(values), b = Bootstrap.mean(values)
        #expect(a == b)
        let m = values.reduce(0, +) / Double(values.count)
        #expect(a.low < m && m < a.high)
        // Close to the t interval for a mean of 60 roughly uniform values.
        let t = Intervals.mean(values).interval
        #expect(abs(a.low - t.low) < 0.03 && abs(a.high - t.high) < 0.03)
        #expect(Bootstrap.mean(values, seed: 99) != a)
    }

    @Test func pairedDifferenceShowsARealRegression() {
        let base = (0..<40).map { 0.9 + Double($0 % 5) * 0.01 }
        let worse = base.map { $0 - 0.08 }
        let d = Bootstrap.pairedDifference(candidate: worse, baseline: base)
        #expect(d.high < -0.07 && d.low > -0.09)
    }
}
