import Foundation

/// Every row measured against a goal of issue 19, collected as the benchmarks run so `all` (and
/// `make bench`) ends with one table: what was measured, the goal, met or not.
struct GoalRow {
    var name: String
    var measured: String
    var goal: String
    var met: Bool
}

nonisolated(unsafe) var goalRows: [GoalRow] = []

func recordGoal(_ name: String, measured: String, goal: String, met: Bool) {
    goalRows.append(GoalRow(name: name, measured: measured, goal: goal, met: met))
}

func printGoals() {
    guard !goalRows.isEmpty else { return }
    let width = goalRows.map(\.name.count).max() ?? 0
    let measuredWidth = goalRows.map(\.measured.count).max() ?? 0
    print("\nsummary (ratios measured side by side in this run; medians):")
    for row in goalRows {
        print(
            "  \(row.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(row.measured.padding(toLength: measuredWidth, withPad: " ", startingAt: 0))  goal \(row.goal)  \(row.met ? "met" : "NOT MET")"
        )
    }
}

/// CPU seconds this process has used (user + system), for rates per core.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Each line out as soon as it is printed, even into a file or a pipe (`make bench | tee`), so a
/// long run shows its rows as they are measured. Shadows `Swift.print` in this module.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(items.map { "\($0)" }.joined(separator: separator), terminator: terminator)
    fflush(nil)
}
