/// Text from outside (a model's answer, a dataset, a run file, a reason, an operator's name)
/// made safe to print on a terminal: escape sequences (CSI, OSC such as a window title or the
/// OSC 52 clipboard, DCS…) are removed whole, other C0 and C1 controls and DEL are dropped,
/// bidirectional overrides that reorder what the eye reads are dropped, and line breaks and tabs
/// become spaces, so one event stays one line. A hostile run file cannot set the title, clear the
/// screen or write the clipboard when it is replayed.
public enum TerminalText {
    public static func sanitize(_ text: String) -> String {
        // Fast path: plain printable ASCII is most text.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
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
