/// Text from outside (a model's answer, a dataset, a run file, a reason, an operator's name)
/// made safe to print on a terminal: escape sequences (CSI, OSC such as a window title or the
/// OSC 52 clipboard, DCS…) are removed whole, other C0 and C1 controls and DEL are dropped,
/// bidirectional overrides that reorder what the eye reads are dropped, and line breaks and tabs
/// become spaces, so one event stays one line. A hostile run file cannot set the title, clear the
/// screen or write the clipboard when it is replayed.
public enum TerminalText {
    /// Whether `text` holds a control character (C0, DEL, C1) or a bidirectional control, the
    /// scalars `sanitize` removes or replaces, found from their UTF-8 bytes.
    static func needsSanitizing(_ text: String) -> Bool {
        // Printable ASCII eight bytes at a time first: most lines are only that.
        let plain = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            let raw = UnsafeRawBufferPointer(bytes)
            var i = 0
            while i + 8 <= raw.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // Any byte >= 0x80, < 0x20 or == 0x7F: leave it to the scalar scan below.
                let high = w & 0x8080_8080_8080_8080
                let low = (w &- 0x2020_2020_2020_2020) & ~w & 0x8080_8080_8080_8080
                let del = ((w ^ 0x7F7F_7F7F_7F7F_7F7F) &- 0x0101_0101_0101_0101) & ~(w ^ 0x7F7F_7F7F_7F7F_7F7F) & 0x8080_8080_8080_8080
                if high | low | del != 0 { return false }
                i += 8
            }
            while i < raw.count {
                if raw[i] < 0x20 || raw[i] >= 0x7F { return false }
                i += 1
            }
            return true
        }
        if plain == true { return false }
        var utf8 = text.utf8.makeIterator()
        var previous: (UInt8, UInt8) = (0, 0)
        while let b = utf8.next() {
            if b < 0x20 || b == 0x7F { return true }
            if b >= 0x80 {
                switch (previous.1, b) {
                case (0xC2, 0x80...0x9F): return true  // C1 controls, U+0080–U+009F
                case (0xD8, 0x9C): return true  // U+061C
                default: break
                }
                if previous.0 == 0xE2 {
                    switch (previous.1, b) {
                    case (0x80, 0x8E), (0x80, 0x8F), (0x80, 0xAA...0xAE): return true  // U+200E/F, U+202A–E
                    case (0x81, 0xA6...0xA9): return true  // U+2066–9
                    default: break
                    }
                }
            }
            previous = (previous.1, b)
        }
        return false
    }

    public static func sanitize(_ text: String) -> String {
        // Fast path: most text has nothing to remove (event lines carry "—" and "→", so the
        // check reads UTF-8 rather than stopping at the first non-ASCII byte).
        needsSanitizing(text) ? removingControls(text) : text
    }

    static func removingControls(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return scalars.next()
        }
        while let c = next() {
            switch c.value {
            case 0x1B:
                skipEscape(first: next(), next: next, putBack: { pending = $0 })
            case 0x9B:  // C1 CSI
                skipUntilFinal(next: next)
            case 0x9D, 0x90, 0x98, 0x9E, 0x9F:  // C1 OSC, DCS, SOS, PM, APC: strings up to ST or BEL
                skipString(next: next, putBack: { pending = $0 })
            case 0x09, 0x0A, 0x0D:
                out.append(" ")
            case 0x00..<0x20, 0x7F, 0x80..<0xA0:
                continue
            case 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069:
                continue
            default:
                out.append(c)
            }
        }
        return String(out)
    }

    /// After ESC: a CSI (`[` … final byte), a string (`]`, `P`, `X`, `^`, `_` … ST or BEL), or a
    /// two-character sequence.
    private static func skipEscape(first: Unicode.Scalar?, next: () -> Unicode.Scalar?, putBack: (Unicode.Scalar) -> Void) {
        guard let first else { return }
        switch first {
        case "[": skipUntilFinal(next: next)
        case "]", "P", "X", "^", "_": skipString(next: next, putBack: putBack)
        default:
            // ESC followed by intermediates (0x20–0x2F) then one final byte.
            var c: Unicode.Scalar? = first
            while let s = c, (0x20...0x2F).contains(s.value) { c = next() }
        }
    }

    /// CSI parameters and intermediates up to the final byte (0x40–0x7E).
    private static func skipUntilFinal(next: () -> Unicode.Scalar?) {
        while let c = next() {
            if (0x40...0x7E).contains(c.value) { return }
            if c.value < 0x20 || c.value > 0x7E { return }  // malformed: stop at anything not a CSI byte
        }
    }

    /// A control string ends at BEL, ST (ESC \) or C1 ST (0x9C).
    private static func skipString(next: () -> Unicode.Scalar?, putBack: (Unicode.Scalar) -> Void) {
        while let c = next() {
            if c.value == 0x07 || c.value == 0x9C { return }
            if c.value == 0x1B {
                if let after = next(), after != "\\" { putBack(after) }
                return
            }
        }
    }
}
