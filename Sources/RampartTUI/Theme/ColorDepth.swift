/// What the terminal can show, and how theme RGB maps onto it.
public enum ColorDepth: Equatable, Sendable {
    case none
    case basic8
    case indexed256
    case direct

    /// btop's `truecolor_to_256`: the grey ramp when the channels agree, else the 6×6×6 cube.
    public static func index256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let rr = Int((Double(r) / 11).rounded()), gg = Int((Double(g) / 11).rounded()), bb = Int((Double(b) / 11).rounded())
        if rr == gg && gg == bb { return 232 + min(23, rr) }
        return 16 + 36 * Int((Double(r) / 51).rounded()) + 6 * Int((Double(g) / 51).rounded()) + Int((Double(b) / 51).rounded())
    }

    /// The nearest of the eight ANSI colours (0 black … 7 white) by squared distance. Greys
    /// (low saturation) map to black or white: by distance alone a mid grey would turn blue.
    public static func index8(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let hi = max(r, g, b), lo = min(r, g, b)
        if Int(hi) - Int(lo) < 48 { return (Int(r) + Int(g) + Int(b)) / 3 >= 80 ? 7 : 0 }
        let palette: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229),
        ]
        var best = 0
        var bestDistance = Int.max
        for (i, p) in palette.enumerated() {
            let d = (Int(r) - p.0) * (Int(r) - p.0) + (Int(g) - p.1) * (Int(g) - p.1) + (Int(b) - p.2) * (Int(b) - p.2)
            if d < bestDistance { best = i; bestDistance = d }
        }
        return best
    }

    /// The color number curses takes for `color` at this depth; -1 is the terminal's default.
    public func curses(_ color: TermColor) -> Int32 {
        guard case .rgb(let r, let g, let b) = color else { return -1 }
        switch self {
        case .none: return -1
        case .basic8: return Int32(Self.index8(r, g, b))
        case .indexed256: return Int32(Self.index256(r, g, b))
        case .direct:
            // In direct mode 0...7 still mean the ANSI colours; nudge very dark blues up by one.
            let value = Int32(r) << 16 | Int32(g) << 8 | Int32(b)
            return value < 8 ? 8 : value
        }
    }
}
