/// The symbols the dashboard draws with: Unicode where the locale is UTF-8, ASCII otherwise.
/// Every state has a glyph and a word, so meaning never rests on colour alone.
public struct Glyphs: Sendable, Equatable {
    public var pass, fail, running, pending, skipped, paused: String
    public var spark: [String]
    /// Drawn for a missing sample, so "no data" never looks like zero.
    public var absent: String
    public var gaugeFull, gaugeEmpty: String
    public var horizontal, vertical, topLeft, topRight, bottomLeft, bottomRight: String
    public var arrow, current, warn: String
    /// The trade-off axis: a confidence interval and the estimate inside it.
    public var interval, estimate: String

    public static let unicode = Glyphs(
        pass: "✓", fail: "✗", running: "●", pending: "○", skipped: "–", paused: "‖",
        spark: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"], absent: "·", gaugeFull: "█", gaugeEmpty: "░",
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        arrow: "→", current: "▸", warn: "⚠", interval: "━", estimate: "●")

    public static let ascii = Glyphs(
        pass: "+", fail: "x", running: "*", pending: "o", skipped: "-", paused: "=",
        spark: ["_", ".", "-", "=", "+", "*", "#", "@"], absent: " ", gaugeFull: "#", gaugeEmpty: ".",
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        arrow: "->", current: ">", warn: "!", interval: "=", estimate: "*")
}
