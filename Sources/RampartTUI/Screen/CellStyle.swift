/// A colour as a theme states it: the terminal's own default, or an RGB value that the terminal
/// backend maps down to what the terminal can show (truecolour, 256 or 8 colours).
public enum TermColor: Hashable, Sendable {
    case terminalDefault
    case rgb(UInt8, UInt8, UInt8)
}

/// How a cell is drawn. Attributes carry meaning on monochrome terminals, where colour cannot.
public struct CellStyle: Hashable, Sendable {
    public var fg: TermColor
    public var bg: TermColor
    public var bold: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(
        fg: TermColor = .terminalDefault, bg: TermColor = .terminalDefault, bold: Bool = false, underline: Bool = false, reverse: Bool = false
    ) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.underline = underline
        self.reverse = reverse
    }

    public static let plain = CellStyle()

    public func with(fg: TermColor? = nil, bg: TermColor? = nil, bold: Bool? = nil, underline: Bool? = nil, reverse: Bool? = nil) -> CellStyle {
        CellStyle(
            fg: fg ?? self.fg, bg: bg ?? self.bg, bold: bold ?? self.bold, underline: underline ?? self.underline, reverse: reverse ?? self.reverse)
    }
}

/// One terminal cell: a grapheme and its style. The right half of a double-width grapheme holds
/// an empty string, so the grid stays aligned with the terminal's columns. Plain data (see
/// `Glyph`), so frames are copied and compared without reference counting.
public struct Cell: Equatable, Sendable {
    var glyph: Glyph
    public var style: CellStyle

    public var text: String {
        get { glyph.string }
        set { glyph = Glyph(newValue) }
    }

    public init(_ text: String = " ", _ style: CellStyle = .plain) {
        glyph = Glyph(text)
        self.style = style
    }

    init(glyph: Glyph, style: CellStyle) {
        self.glyph = glyph
        self.style = style
    }
}
