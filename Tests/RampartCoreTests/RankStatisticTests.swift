import Testing

@testable import RampartCore

/// The merge of two sorted samples gives R's rank statistic exactly, for every shift: samples
/// with many ties, shifts that create ties (x − d landing on a y), shifts past either end.
struct RankStatisticTests {
    @Test func theMergeGivesTheSortsStatisticExactly() {
        var rng = SeededRandom(seed: 21, stream: "rank-statistic")
        var compared = 0
        for round in 0..<400 {
            let nx = 1 + rng.index(below: round % 10 == 0 ? 300 : 30), ny = 1 + rng.index(below: round % 10 == 0 ? 300 : 30)
            // Coarse values (many ties) or fine ones.
            let coarse = round % 2 == 0
            func value() -> Double { coarse ? Double(rng.index(below: 12)) * 0.5 : rng.normal() * 3 }
            let x = (0..<nx).map { _ in value() }, y = (0..<ny).map { _ in value() }
            let statistic = RankStatistic(x, y)
            var shifts = [0.0, 0.5, -0.5, 100, -100, x[0] - y[0], x[nx - 1] - y[ny - 1]]
            for _ in 0..<10 { shifts.append(rng.normal() * 4) }
            for d in shifts {
                for zq in [0.0, 1.96, -1.96] {
                    let merged = statistic.value(shift: d, minus: zq), sorted = statistic.reference(shift: d, minus: zq)
                    #expect(merged == sorted, "d=\(d) x=\(x) y=\(y)")
                    compared += 1
                }
            }
        }
        #expect(compared == 400 * 17 * 3)
    }

    @Test func nonFiniteSamplesTakeTheSort() {
        let statistic = RankStatistic([1, .infinity, 3], [2, 2])
        #expect(!statistic.finite)
        #expect(statistic.value(shift: 0.5, minus: 0) == statistic.reference(shift: 0.5, minus: 0))
    }
}
