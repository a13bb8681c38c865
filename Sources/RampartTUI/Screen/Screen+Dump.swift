/// Text and style dumps for golden-screen tests: the text grid as is, and a parallel grid of
/// letters, one per distinct style, with a legend, so a style change shows up as a diff.
extension Screen {
    public func textDump() -> String {
        (0..<height).map { line($0) }.joined(separator: "\n") + "\n"
    }

    public func styleDump() -> String {
        var letters: [CellStyle: Character] = [:]
        var order: [CellStyle] = []
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var rows: [String] = []
        for y in 0..<height {
            var row = ""
            for x in 0..<width {
                let style = self[x, y].style
                let letter = letters[style] ?? (order.count < alphabet.count ? alphabet[order.count] : "?")
                if letters[style] == nil {
                    letters[style] = letter
                    order.append(style)
                }
                row.append(letter)
            }
            rows.append(row)
        }
        let legend = order.map { style in "\(letters[style] ?? "?") = \(Self.describe(style))" }
        return rows.joined(separator: "\n") + "\n--\n" + legend.joined(separator: "\n") + "\n"
    }

    static func describe(_ s: CellStyle) -> String {
        func color(_ c: TermColor) -> String {
            switch c {
            case .terminalDefault: "default"
            case .rgb(let r, let g, let b):
                "#"
                    + [r, g, b].map { v in
                        let h = String(v, radix: 16); return h.count == 1 ? "0" + h : h
                    }.joined()
            }
        }
        var parts = ["fg \(color(s.fg))", "bg \(color(s.bg))"]
        if s.bold { parts.append("bold") }
        if s.underline { parts.append("underline") }
        if s.reverse { parts.append("reverse") }
        return parts.joined(separator: " ")
    }
}
