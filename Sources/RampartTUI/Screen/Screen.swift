/// A full frame as a grid of cells: what `render` produces and what the terminal backend diffs
/// against the previous frame. Pure value; tests compare screens directly.
public struct Screen: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Where clicks act, in drawing order (see `Hotspot`).
    public var hotspots: [Hotspot] = []

    public init(width: Int, height: Int, fill: CellStyle = .plain) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(" ", fill), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { cells[y * width + x] = newValue }
    }

    /// Writes `text` from (x, y), clipped to `limit` columns (and the screen). Returns the column after it.
    @discardableResult
    public mutating func put(_ text: String, x: Int, y: Int, style: CellStyle, limit: Int? = nil) -> Int {
        guard y >= 0, y < height else { return x }
        let end = min(width, limit.map { x + $0 } ?? width)
        var col = x
        for ch in text {
            let w = CharWidth.of(ch)
            if w == 0 { continue }
            if col + w > end { break }
            if col >= 0 {
                self[col, y] = Cell(String(ch), style)
                if w == 2 { self[col + 1, y] = Cell("", style) }
            }
            col += w
        }
        return col
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: CellStyle, char: String = " ") {
        for row in max(0, y)..<min(height, y + h) {
            for col in max(0, x)..<min(width, x + w) { self[col, row] = Cell(char, style) }
        }
    }

    /// Row `y` as text, for tests and dumps.
    public func line(_ y: Int) -> String {
        (0..<width).map { self[$0, y].text }.joined()
    }
}
