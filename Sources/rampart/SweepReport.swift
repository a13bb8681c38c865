import Foundation
import RampartCore
import RampartEngine

/// `rampart simulate --sweep METRIC`: each judge's operating characteristic across effect sizes
/// from none to three times the margin, as a table, a curve per judge, or JSON.
struct SweepReport {
    let check: MetricCheck
    let grid: [EffectSweep.Point]
    let judges: [JudgePolicy.Kind]
    let sim: CanarySimulation
    let json: Bool

    struct Line: Codable {
        var judge: String
        var multiple: Double
        var effect: String
        var pRollback: Double
        var pPromote: Double
        var pInconclusive: Double
        var row: CanarySimulation.Row

        enum CodingKeys: String, CodingKey {
            case judge, multiple, effect, row
            case pRollback = "p_rollback"
            case pPromote = "p_promote"
            case pInconclusive = "p_inconclusive"
        }
    }

    func print() async throws {
        var lines: [Line] = []
        for j in judges {
            for point in grid {
                let r = await sim.run(judge: j, effect: point.effect)
                lines.append(
                    Line(
                        judge: j.rawValue, multiple: point.multiple, effect: point.effect?.description ?? "none", pRollback: r.rollbackRate,
                        pPromote: r.promoteRate, pInconclusive: Double(r.inconclusive) / Double(max(r.trials, 1)), row: r))
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            Swift.print(String(decoding: try encoder.encode(lines), as: UTF8.self))
            return
        }
        let margin =
            check.maxRatio.map { "×\(String(format: "%g", $0))" } ?? check.maxIncrease.map { "+\(String(format: "%g", $0))" }
            ?? check.maxDecrease.map { "−\(String(format: "%g", $0))" } ?? ""
        Swift.print("\(check.metric.rawValue) swept from none to 3× its margin (\(margin)); \(sim.trials) simulated canaries per row")
        Swift.print("")
        let header = [
            "judge", "× margin", "effect", "P(rollback)", "P(promote)", "P(inconcl.)", "req. served, median (p90)", "time, median (p90)",
            "time to promote",
        ]
        var table: [[String]] = [header]
        for l in lines {
            table.append([
                l.judge, String(format: "%.2f", l.multiple), l.effect, String(format: "%.0f%%", l.pRollback * 100),
                String(format: "%.0f%%", l.pPromote * 100), String(format: "%.0f%%", l.pInconclusive * 100),
                "\(l.row.medianRequestsServed.map { String(Int($0)) } ?? "-") (\(l.row.p90RequestsServed.map { String(Int($0)) } ?? "-"))",
                "\(l.row.medianSeconds.map(DurationText.format) ?? "-") (\(l.row.p90Seconds.map(DurationText.format) ?? "-"))",
                l.row.medianSecondsToPromote.map { DurationText.format($0) } ?? "-",
            ])
        }
        for line in TextTable.lines(table, leftAligned: [0, 2]) { Swift.print(line) }
        // The curves: one character per effect size, left (none) to right (3× the margin); the
        // margin sits at the middle of an odd number of points.
        Swift.print("")
        Swift.print("curves, none → 3× margin (▁ 0 % … █ 100 %):")
        let name = max(10, judges.map(\.rawValue.count).max() ?? 0)
        for j in judges {
            let mine = lines.filter { $0.judge == j.rawValue }
            Swift.print(
                "  " + j.rawValue.padding(toLength: name, withPad: " ", startingAt: 0) + "  rollback "
                    + EffectSweep.sparkline(mine.map(\.pRollback)) + "   promote " + EffectSweep.sparkline(mine.map(\.pPromote)))
        }
    }
}
