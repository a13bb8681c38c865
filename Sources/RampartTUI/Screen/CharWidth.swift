/// Terminal column width of a grapheme: 0 for combining marks, 2 for East Asian wide and
/// emoji presentation, 1 otherwise. Enough for truncation never to split a wide character.
public enum CharWidth {
    public static func of(_ c: Character) -> Int {
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

    public static func of(_ s: String) -> Int { s.reduce(0) { $0 + of($1) } }

    /// The longest prefix that fits in `width` columns, with `…` when something was cut.
    public static func truncate(_ s: String, to width: Int, ellipsis: String = "…") -> String {
        if width <= 0 { return "" }
        if of(s) <= width { return s }
        let room = width - of(ellipsis)
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
