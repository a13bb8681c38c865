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
        cells = Array(repeating: Cell(glyph: .space, style: fill), count: self.width * self.height)
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
        if CharWidth.isLoneScalars(text) { return putScalars(text, x: x, y: y, end: end, style: style) }
        return putCharacters(text, x: x, y: y, end: end, style: style)
    }

    /// The fast path, for text whose every scalar is a grapheme by itself (ASCII, box drawing,
    /// arrows, dashes: nearly all of a frame): no grapheme breaking, no `String` per cell.
    mutating func putScalars(_ text: String, x: Int, y: Int, end: Int, style: CellStyle) -> Int {
        var col = x
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let w = CharWidth.of(lone: scalar)
            if w == 0 { continue }
            if col + w > end { break }
            if col >= 0 {
                cells[y * width + col] = Cell(glyph: v < 0x80 ? Glyph(ascii: UInt8(v)) : Glyph(scalar: scalar), style: style)
                if w == 2 { cells[y * width + col + 1] = Cell(glyph: .empty, style: style) }
            }
            col += w
        }
        return col
    }

    /// The general path: grapheme by grapheme.
    mutating func putCharacters(_ text: String, x: Int, y: Int, end: Int, style: CellStyle) -> Int {
        var col = x
        for ch in text {
            let w = CharWidth.of(ch)
            if w == 0 { continue }
            if col + w > end { break }
            if col >= 0 {
                self[col, y] = Cell(glyph: Glyph(ch), style: style)
                if w == 2 { self[col + 1, y] = Cell(glyph: .empty, style: style) }
            }
            col += w
        }
        return col
    }

    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, style: CellStyle, char: String = " ") {
        for row in max(0, y)..<min(height, y + h) {
            let cell = Cell(char, style)
            for col in max(0, x)..<min(width, x + w) { self[col, row] = cell }
        }
    }

    /// Row `y` as text, for tests and dumps.
    public func line(_ y: Int) -> String {
        (0..<width).map { self[$0, y].text }.joined()
    }
}
