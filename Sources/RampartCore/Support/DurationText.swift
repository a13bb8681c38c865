import Foundation

/// Parses the human durations used in specs: `250ms`, `30s`, `5m`, `1h`, `1m30s`, or a bare number of seconds.
///
/// Seconds as `Double` keep the engine's arithmetic simple; the spec never needs sub-millisecond precision.
public enum DurationText {
    public static func seconds(from text: String) -> Double? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        if s.isEmpty { return nil }
        if let plain = Double(s) { return plain >= 0 && plain.isFinite ? plain : nil }
        var total = 0.0
        var number = ""
        var unit = ""
        var sawAny = false
        func flush() -> Bool {
            guard let value = Double(number) else { return false }
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            default: return false
            }
            total += value * scale
            number = ""
            unit = ""
            sawAny = true
            return true
        }
        for ch in s {
            if ch.isNumber || ch == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(ch)
            } else if ch.isLetter {
                guard !number.isEmpty else { return nil }
                unit.append(ch)
            } else {
                return nil
            }
        }
        guard !number.isEmpty, !unit.isEmpty, flush(), sawAny else { return nil }
        return total
    }

    /// Formats seconds compactly for humans: `45s`, `5m`, `1m30s`, `2h5m`, `250ms`.
    /// Any number formats, however absurd (a hostile run file's): beyond 10,000 hours it is
    /// capped and says so, instead of trapping on the conversion to Int.
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite else { return seconds.isNaN ? "?" : (seconds > 0 ? ">10000h" : "0s") }
        if seconds < 1 && seconds > 0 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds > 36_000_000 { return ">10000h" }
        let total = Int(max(0, seconds).rounded())
        let h = total / 3600, m = (total % 3600) / 60, sec = total % 60
        var out = ""
        if h > 0 { out += "\(h)h" }
        if m > 0 { out += "\(m)m" }
        if sec > 0 || out.isEmpty { out += "\(sec)s" }
        return out
    }
}
