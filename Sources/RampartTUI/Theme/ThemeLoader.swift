import Foundation
import RampartCore

/// Reads `themes/*.theme` in btop's grammar: `theme[key]="value"` per line, `#` comments,
/// values `#RRGGBB`, `#BW` (a grey), `R G B` (decimals) or empty (the terminal's default).
/// Unlike btop, an unknown key or a bad value is an error naming the line: a typo in a theme
/// should not silently leave a state uncoloured. Missing keys fall back to the default theme.
public enum ThemeLoader {
    public static func load(file: String) throws(InvalidInput) -> Theme {
        let text = try InputFile.read(file, what: "the theme")
        let name = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        return try parse(text, name: name, file: file)
    }

    public static func parse(_ text: String, name: String, file: String) throws(InvalidInput) -> Theme {
        var colors: [ThemeKey: TermColor] = [:]
        var problems: [Diagnostic] = []
        var sawColor = false
        // By bytes (`TextLines`): a theme saved with CR LF was one line split by Character.
        for (index, raw) in TextLines.split(text).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            func fail(_ message: String, _ key: String = "") {
                problems.append(Diagnostic(file: file, line: index + 1, column: 1, path: key, message: message))
            }
            guard line.hasPrefix("theme["), let close = line.firstIndex(of: "]") else {
                fail("expected theme[key]=\"value\", got '\(line)'")
                continue
            }
            let key = String(line[line.index(line.startIndex, offsetBy: 6)..<close])
            var rest = line[line.index(after: close)...].trimmingCharacters(in: .whitespaces)
            guard rest.hasPrefix("=") else { fail("expected '=' after theme[\(key)]", key); continue }
            rest = String(rest.dropFirst()).trimmingCharacters(in: .whitespaces)
            var value = rest
            if rest.hasPrefix("\"") {
                let body = rest.dropFirst()
                guard let end = body.firstIndex(of: "\"") else { fail("unterminated quote", key); continue }
                value = String(body[..<end])
                let trailing = body[body.index(after: end)...].trimmingCharacters(in: .whitespaces)
                if !trailing.isEmpty && !trailing.hasPrefix("#") { fail("one assignment per line; unexpected '\(trailing)'", key); continue }
            }
            guard let themeKey = ThemeKey(rawValue: key) else {
                var message = "unknown key '\(key)'"
                if let hint = Levenshtein.suggestion(for: key, among: ThemeKey.allCases.map(\.rawValue)) { message += " (did you mean '\(hint)'?)" }
                fail(message, key)
                continue
            }
            guard let color = parseColor(value) else {
                fail("'\(value)' is not a colour: use \"#RRGGBB\", \"#BW\", \"R G B\" or \"\"", key)
                continue
            }
            colors[themeKey] = color ?? .terminalDefault
            if color != nil { sawColor = true }
        }
        if !problems.isEmpty { throw InvalidInput(problems) }
        // A theme that sets every key empty is monochrome by intent.
        let monochrome = !sawColor && !colors.isEmpty
        var merged = Theme.builtinDefault.colors
        for (k, v) in colors { merged[k] = v }
        return Theme(name: name, colors: merged, monochrome: monochrome)
    }

    /// `nil` for a malformed value; `.some(nil)` for empty (the terminal's default).
    public static func parseColor(_ value: String) -> TermColor?? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if v.isEmpty { return .some(nil) }
        if v.hasPrefix("#") {
            let hex = v.dropFirst()
            guard hex.allSatisfy(\.isHexDigit) else { return nil }
            if hex.count == 2, let g = UInt8(hex, radix: 16) { return .some(.rgb(g, g, g)) }
            if hex.count == 6, let n = UInt32(hex, radix: 16) {
                return .some(.rgb(UInt8(n >> 16), UInt8((n >> 8) & 0xFF), UInt8(n & 0xFF)))
            }
            return nil
        }
        let parts = v.split(separator: " ")
        guard parts.count == 3 else { return nil }
        let nums = parts.compactMap { UInt8($0) }
        guard nums.count == 3 else { return nil }
        return .some(.rgb(nums[0], nums[1], nums[2]))
    }

    /// Finds a theme by name (in the given directories) or by path.
    public static func resolve(_ nameOrPath: String, directories: [String]) -> String? {
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".theme") {
            return FileManager.default.fileExists(atPath: nameOrPath) ? nameOrPath : nil
        }
        for dir in directories {
            let path = (dir as NSString).appendingPathComponent("\(nameOrPath).theme")
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// Names of the `.theme` files in the first directory that has any, sorted with `default` first.
    public static func available(in directories: [String]) -> [String] {
        for dir in directories {
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: dir) else { continue }
            let names = files.filter { $0.hasSuffix(".theme") }.map { ($0 as NSString).deletingPathExtension }
            if !names.isEmpty { return names.sorted { ($0 == "default" ? "" : $0) < ($1 == "default" ? "" : $1) } }
        }
        return []
    }
}
