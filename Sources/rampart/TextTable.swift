/// A plain-text table for the terminal and CI logs: a header, a rule under it, columns as wide
/// as their widest cell, text columns left-aligned and numbers right-aligned.
enum TextTable {
    static func lines(_ table: [[String]], leftAligned: Set<Int>) -> [String] {
        guard let header = table.first else { return [] }
        let widths = header.indices.map { i in table.map { $0[i].count }.max() ?? 0 }
        var out: [String] = []
        for (n, row) in table.enumerated() {
            out.append(
                row.enumerated().map { i, cell in
                    leftAligned.contains(i)
                        ? cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[i] - cell.count) + cell
                }.joined(separator: "  "))
            if n == 0 { out.append(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
        }
        return out
    }
}
