/// For terminals whose locale is not UTF-8: every cell is made ASCII, whatever text produced it
/// (log lines and gate verdicts carry arrows, dashes and inequality signs). Widths are kept:
/// a double-width character becomes two ASCII cells.
extension Screen {
    static let asciiFallbacks: [String: String] = [
        "—": "-", "–": "-", "→": ">", "←": "<", "↔": "-", "≥": ">", "≤": "<", "·": ".", "…": ".", "×": "x",
        "░": ".", "█": "#", "▸": ">", "‖": "=", "⚠": "!", "✓": "+", "✗": "x", "●": "*", "○": "o",
        "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "↑": "^", "↓": "v", "é": "e",
    ]

    public func asciiOnly() -> Screen {
        var out = self
        for y in 0..<height {
            for x in 0..<width {
                let text = self[x, y].text
                if text.unicodeScalars.allSatisfy(\.isASCII) { continue }
                let replacement = text.isEmpty ? "?" : (Self.asciiFallbacks[text] ?? "?")
                out[x, y] = Cell(replacement, self[x, y].style)
            }
        }
        return out
    }
}
