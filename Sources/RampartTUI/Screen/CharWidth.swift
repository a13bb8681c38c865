/// Terminal column width of a grapheme: 0 for combining marks, 2 for East Asian wide and
/// emoji presentation, 1 otherwise. Enough for truncation never to split a wide character.
public enum CharWidth {
    public static func of(_ c: Character) -> Int {
        // ASCII (most of a frame) without Unicode property lookups; "\r\n" reads as LF: 0.
        if let a = c.asciiValue { return a < 0x20 || a == 0x7F ? 0 : 1 }
        guard let first = c.unicodeScalars.first else { return 0 }
        // The rule reads only the first scalar: the Basic Multilingual Plane (box drawing,
        // arrows, dashes: the rest of a frame) comes from a table made once.
        if first.value < 0x10000 { return Int(bmp[Int(first.value)]) }
        return byProperties(c)
    }

    /// `byProperties` for every scalar of the Basic Multilingual Plane (surrogates, which are
    /// not scalars, read 1 and never occur).
    static let bmp: [UInt8] = (0..<0x10000).map { v in
        guard let scalar = Unicode.Scalar(UInt32(v)) else { return 1 }
        return UInt8(byProperties(Character(scalar)))
    }

    /// The general rule, for any character.
    static func byProperties(_ c: Character) -> Int {
        guard let first = c.unicodeScalars.first else { return 0 }
        let v = first.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if first.properties.generalCategory == .nonspacingMark || first.properties.generalCategory == .enclosingMark { return 0 }
        if first.properties.isEmojiPresentation { return 2 }
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
            0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x20000...0x3FFFD:
            return 2
        default:
            return 1
        }
    }

    public static func of(_ s: String) -> Int {
        if let plain = printableASCIICount(s) { return plain }
        if isLoneScalars(s) { return s.unicodeScalars.reduce(0) { $0 + of(lone: $1) } }
        return s.reduce(0) { $0 + of($1) }
    }

    /// The length of a string of printable ASCII only (one column per byte), else nil.
    static func printableASCIICount(_ s: String) -> Int? {
        let utf8 = s.utf8
        let plain =
            utf8.withContiguousStorageIfAvailable { $0.allSatisfy { $0 >= 0x20 && $0 < 0x7F } } ?? utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        return plain ? utf8.count : nil
    }

    /// Whether a scalar is always a grapheme by itself, whatever surrounds it: its grapheme break
    /// property is Other or Control (never Extend, ZWJ, SpacingMark, Prepend, Hangul or Regional
    /// Indicator), so Unicode breaks on both sides of it. Covers what a frame is made of: ASCII,
    /// Latin letters, punctuation, arrows, mathematical signs, box drawing, blocks, shapes,
    /// symbols and dingbats. ("\r\n" is one grapheme but both halves are 0 columns, so reading it
    /// as two changes nothing.) `GlyphTests` checks every scalar listed here.
    static func isLone(_ v: UInt32) -> Bool {
        switch v {
        case 0...0x7F, 0xA0...0xAC, 0xAE...0x24F, 0x2010...0x2027, 0x2030...0x205E, 0x2190...0x23FF, 0x2500...0x27BF: return true
        default: return false
        }
    }

    /// Whether every scalar of `s` is a grapheme by itself (see `isLone`).
    static func isLoneScalars(_ s: String) -> Bool {
        let utf8 = s.utf8
        let ascii = utf8.withContiguousStorageIfAvailable { $0.allSatisfy { $0 < 0x80 } } ?? utf8.allSatisfy { $0 < 0x80 }
        return ascii || s.unicodeScalars.allSatisfy { isLone($0.value) }
    }

    /// The width of a scalar for which `isLone` holds.
    static func of(lone scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        return v < 0x80 ? (v >= 0x20 && v != 0x7F ? 1 : 0) : Int(bmp[Int(v)])
    }

    /// The longest prefix that fits in `width` columns, with `…` when something was cut.
    public static func truncate(_ s: String, to width: Int, ellipsis: String = "…") -> String {
        if width <= 0 { return "" }
        // No grapheme is wider than its UTF-8 bytes (wide ones start at U+1100: three bytes).
        if s.utf8.count <= width { return s }
        if of(s) <= width { return s }
        let room = width - of(ellipsis)
        if isLoneScalars(s) {
            var out = String.UnicodeScalarView()
            var used = 0
            for scalar in s.unicodeScalars {
                let w = of(lone: scalar)
                if used + w > room { break }
                out.append(scalar)
                used += w
            }
            return room >= 0 ? String(out) + ellipsis : ""
        }
        var out = ""
        var used = 0
        for c in s {
            let w = of(c)
            if used + w > room { break }
            out.append(c)
            used += w
        }
        return room >= 0 ? out + ellipsis : String(out.prefix(width))
    }

    public static func pad(_ s: String, to width: Int) -> String {
        let t = truncate(s, to: width)
        return t + String(repeating: " ", count: max(0, width - of(t)))
    }

    public static func padLeft(_ s: String, to width: Int) -> String {
        let t = truncate(s, to: width)
        return String(repeating: " ", count: max(0, width - of(t))) + t
    }
}
