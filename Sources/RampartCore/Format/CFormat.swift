import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// printf for numbers: the text `String(format:)` gives (both end in C's printf) at a fraction
/// of its cost. Foundation builds a CFString and parses the format on every call, which was a
/// fifth of a headless replay and a share of every frame. The number is always written in the C
/// locale, as `String(format:)` does: once curses has called `setlocale(LC_ALL, "")`, a German
/// locale would otherwise print "1,5".
public enum CFormat {
    /// The C locale's numbers, made once; `uselocale` sets it for the calling thread only.
    nonisolated(unsafe) private static let c: locale_t? = newlocale(Int32(1 << LC_NUMERIC), "C", nil)

    public static func string(_ format: String, _ arguments: any CVarArg...) -> String {
        withVaList(arguments) { list in
            let previous = uselocale(c)
            defer { uselocale(previous) }
            return format.withCString { f in
                withUnsafeTemporaryAllocation(of: CChar.self, capacity: 128) { buffer in
                    // `list` is consumed by one call: a longer text is formatted again by
                    // Foundation, which is rare (numbers are short).
                    let n = vsnprintf(buffer.baseAddress, 128, f, list)
                    guard n >= 0, n < 128 else { return String(format: format, arguments: arguments) }
                    return String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: Int(n)), as: UTF8.self)
                }
            }
        }
    }

    /// printf's `%.Nf` for N up to 3, computed exactly in integers: the number is m × 2^e, and
    /// m × 10^N fits in 64 bits, so the rounding (to nearest, ties to even, on the exact binary
    /// value, as glibc rounds) needs no text. Beyond that range, and for NaN and infinities,
    /// `string` formats it.
    public static func fixed(_ v: Double, places: Int) -> String {
        guard v.isFinite, places >= 0, places <= 3, abs(v) < 9e15 else { return string("%.\(places)f", v) }
        let scale: UInt64 = [1, 10, 100, 1000][places]
        let m = v.significandBitPattern | (v.exponentBitPattern == 0 ? 0 : 1 << 52)
        let e = (v.exponentBitPattern == 0 ? -1074 : Int(v.exponentBitPattern) - 1075)  // v = m × 2^e
        var q: UInt64
        if e >= 0 {
            q = (m << UInt64(e)) * scale  // abs(v) < 9e15: m << e is v itself, times 1000 fits
        } else {
            let x = m * scale
            let shift = -e
            if shift >= 64 {
                q = 0  // x < 2^63 ≤ half of 2^shift: rounds to zero
            } else {
                q = x >> UInt64(shift)
                let rest = x & ((1 << UInt64(shift)) - 1)
                let half: UInt64 = 1 << UInt64(shift - 1)
                if rest > half || (rest == half && q & 1 == 1) { q += 1 }
            }
        }
        var digits = String(q)
        if places > 0 {
            if digits.utf8.count <= places { digits = String(repeating: "0", count: places + 1 - digits.utf8.count) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
        }
        return v.sign == .minus ? "-" + digits : digits
    }
}
