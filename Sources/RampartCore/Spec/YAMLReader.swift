import Foundation
import Yams

/// A YAML node together with the field path that leads to it.
struct YAMLField {
    let node: Node
    let path: String

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    func index(_ i: Int) -> String { "\(path)[\(i)]" }
}

/// Typed reads over a composed YAML document that record a `Diagnostic` instead of throwing,
/// so one pass reports every problem in the file with its line, column and field path.
final class YAMLReader {
    let file: String
    let directory: String
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, directory: String) {
        self.file = file
        self.directory = directory
    }

    /// Past this many problems the reader stops: nobody reads the rest, and YAML aliases let a
    /// few kilobytes repeat one bad mapping thousands of times (each repetition walked and
    /// reported, quadratic in the file's size).
    static let maxDiagnostics = 200
    /// Set when the limit was reached: every read answers nil from then on.
    private(set) var saturated = false

    /// The problems in file order, and a last line saying the reader stopped, if it did.
    var report: [Diagnostic] {
        let sorted = diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) }
        guard saturated else { return sorted }
        return sorted + [
            Diagnostic(file: file, line: 1, column: 1, path: "", message: "stopped after \(Self.maxDiagnostics) problems; fix these first")
        ]
    }

    func error(_ node: Node?, _ path: String, _ message: String) {
        guard !saturated else { return }
        let mark = node?.mark
        if diagnostics.count == Self.maxDiagnostics {
            saturated = true
            return
        }
        diagnostics.append(
            Diagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message: message))
    }

    /// Reads a mapping, rejecting unknown and duplicate keys and reporting missing required ones.
    func mapping(_ field: YAMLField, allowed: [String], required: [String] = []) -> [String: YAMLField]? {
        guard !saturated else { return nil }
        guard case .mapping(let map) = field.node else {
            error(field.node, field.path, "must be a mapping (key: value lines), got \(describe(field.node))")
            return nil
        }
        var out: [String: YAMLField] = [:]
        var suggested: Set<String> = []
        for (keyNode, value) in map {
            guard let key = keyNode.scalar?.string else {
                error(keyNode, field.path, "keys must be plain strings")
                continue
            }
            let path = field.child(key)
            guard allowed.contains(key) else {
                var message = "unknown key '\(key)'"
                if let hint = Levenshtein.suggestion(for: key, among: allowed) {
                    message += " (did you mean '\(hint)'?)"
                    suggested.insert(hint)
                } else {
                    message += " (expected one of: \(allowed.joined(separator: ", ")))"
                }
                error(keyNode, path, message)
                continue
            }
            if out[key] != nil {
                error(keyNode, path, "duplicate key '\(key)'")
                continue
            }
            out[key] = YAMLField(node: value, path: path)
        }
        // A misspelt required key is reported once, as the misspelling.
        for key in required where out[key] == nil && !suggested.contains(key) {
            error(field.node, field.child(key), "required field is missing")
        }
        return out
    }

    /// A mapping of free-form names to strings (HTTP headers), in the file's order, each with
    /// the node of its key for diagnostics.
    func stringMap(_ field: YAMLField) -> [(key: String, value: String, node: Node)]? {
        guard !saturated else { return nil }
        guard case .mapping(let map) = field.node else {
            error(field.node, field.path, "must be a mapping (name: value lines), got \(describe(field.node))")
            return nil
        }
        var out: [(key: String, value: String, node: Node)] = []
        for (keyNode, value) in map {
            guard let key = keyNode.scalar?.string, !key.isEmpty else {
                error(keyNode, field.path, "keys must be plain strings")
                continue
            }
            if out.contains(where: { $0.key.lowercased() == key.lowercased() }) {
                error(keyNode, field.child(key), "duplicate key '\(key)'")
                continue
            }
            if let v = string(YAMLField(node: value, path: field.child(key)), nonEmpty: false) { out.append((key, v, keyNode)) }
        }
        return out
    }

    func sequence(_ field: YAMLField) -> [YAMLField]? {
        guard !saturated else { return nil }
        guard case .sequence(let seq) = field.node else {
            error(field.node, field.path, "must be a list, got \(describe(field.node))")
            return nil
        }
        return seq.enumerated().map { YAMLField(node: $0.element, path: field.index($0.offset)) }
    }

    func string(_ field: YAMLField, nonEmpty: Bool = true) -> String? {
        guard case .scalar(let scalar) = field.node else {
            error(field.node, field.path, "must be a string, got \(describe(field.node))")
            return nil
        }
        let value = scalar.tag == .init(.null) ? "" : scalar.string
        if nonEmpty && value.trimmingCharacters(in: .whitespaces).isEmpty {
            error(field.node, field.path, "must not be empty")
            return nil
        }
        return value
    }

    func double(_ field: YAMLField, in range: ClosedRange<Double>? = nil, allowPercent: Bool = false) -> Double? {
        guard case .scalar(let scalar) = field.node else {
            error(field.node, field.path, "must be a number, got \(describe(field.node))")
            return nil
        }
        var text = scalar.string.trimmingCharacters(in: .whitespaces)
        if allowPercent, text.hasSuffix("%") { text.removeLast() }
        guard let value = Double(text), value.isFinite else {
            error(field.node, field.path, "must be a number, got '\(scalar.string)'")
            return nil
        }
        if let range, !range.contains(value) {
            error(field.node, field.path, "must be \(format(range.lowerBound))...\(format(range.upperBound)), got \(scalar.string)")
            return nil
        }
        return value
    }

    func int(_ field: YAMLField, in range: ClosedRange<Int>? = nil) -> Int? {
        guard case .scalar(let scalar) = field.node, let value = Int(scalar.string.trimmingCharacters(in: .whitespaces)) else {
            error(field.node, field.path, "must be a whole number, got \(describe(field.node))")
            return nil
        }
        if let range, !range.contains(value) {
            error(field.node, field.path, "must be \(range.lowerBound)...\(range.upperBound), got \(value)")
            return nil
        }
        return value
    }

    func uint64(_ field: YAMLField) -> UInt64? {
        guard case .scalar(let scalar) = field.node, let value = UInt64(scalar.string.trimmingCharacters(in: .whitespaces)) else {
            error(field.node, field.path, "must be a non-negative whole number, got \(describe(field.node))")
            return nil
        }
        return value
    }

    func bool(_ field: YAMLField) -> Bool? {
        guard case .scalar(let scalar) = field.node else {
            error(field.node, field.path, "must be true or false, got \(describe(field.node))")
            return nil
        }
        switch scalar.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(field.node, field.path, "must be true or false, got '\(scalar.string)'")
            return nil
        }
    }

    /// No duration in a spec is longer than this: every timer stays a number the clocks, the
    /// timers and the formats can hold (a `bake: 1e300` used to trap when the canary started).
    static let longestDuration = 30 * 86_400.0

    /// A duration such as `30s`, `5m`, `1h30m` or a bare number of seconds, at most 30 days.
    func duration(_ field: YAMLField, minimum: Double = 0, maximum: Double = YAMLReader.longestDuration) -> Double? {
        guard case .scalar(let scalar) = field.node else {
            error(field.node, field.path, "must be a duration such as 30s or 5m, got \(describe(field.node))")
            return nil
        }
        guard let value = DurationText.seconds(from: scalar.string) else {
            error(field.node, field.path, "must be a duration such as 30s, 5m or 1h, got '\(scalar.string)'")
            return nil
        }
        if !value.isFinite || value > maximum {
            error(field.node, field.path, "must be at most \(DurationText.format(maximum)), got '\(scalar.string)'")
            return nil
        }
        if value < minimum {
            error(field.node, field.path, "must be at least \(DurationText.format(minimum)), got '\(scalar.string)'")
            return nil
        }
        return value
    }

    func choice<E: RawRepresentable & CaseIterable>(_ field: YAMLField, _ type: E.Type) -> E? where E.RawValue == String {
        guard let raw = string(field) else { return nil }
        if let value = NameSpelling.match(raw, as: E.self) { return value }
        let names = E.allCases.map(\.rawValue)
        var message = "must be one of: \(names.joined(separator: ", ")); got '\(raw)'"
        if let hint = Levenshtein.suggestion(for: raw, among: names) { message += " (did you mean '\(hint)'?)" }
        error(field.node, field.path, message)
        return nil
    }

    /// A path relative to the spec's directory that must name a readable file.
    func file(_ field: YAMLField) -> String? {
        guard let raw = string(field) else { return nil }
        let resolved = raw.hasPrefix("/") ? raw : (directory as NSString).appendingPathComponent(raw)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue else {
            error(field.node, field.path, "file not found: \(raw) (looked in \(resolved))")
            return nil
        }
        guard FileManager.default.isReadableFile(atPath: resolved) else {
            error(field.node, field.path, "file is not readable: \(resolved)")
            return nil
        }
        return resolved
    }

    private func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .scalar(let s): s.tag == .init(.null) ? "nothing" : "'\(s.string)'"
        case .alias: "an alias"
        }
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
