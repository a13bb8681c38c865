import Foundation
import Yams

/// The settings mapping of one router or metrics-source entry, as a kind defined outside the
/// spec parser reads it: typed reads that report a problem with the file, line and field path
/// and answer nil, like every other part of the spec, so one pass still reports every mistake.
public struct SettingsReader {
    private let reader: YAMLReader
    private let field: YAMLField
    private let fields: [String: YAMLField]

    init(reader: YAMLReader, field: YAMLField, fields: [String: YAMLField]) {
        self.reader = reader
        self.field = field
        self.fields = fields
    }

    /// The spec's folder: relative paths in settings are relative to it.
    public var directory: String { reader.directory }

    /// Whether the entry sets `key` at all.
    public func has(_ key: String) -> Bool { fields[key] != nil }

    /// Reports a problem with `key` (or with the whole entry when nil) and lets parsing go on.
    public func error(_ key: String?, _ message: String) {
        if let key, let f = fields[key] {
            reader.error(f.node, f.path, message)
        } else {
            reader.error(field.node, key.map(field.child) ?? field.path, message)
        }
    }

    /// A required key that is absent is reported once, with `hint` after the usual message.
    public func require(_ key: String, hint: String? = nil) -> Bool {
        if fields[key] != nil { return true }
        error(key, "required field is missing" + (hint.map { " (\($0))" } ?? ""))
        return false
    }

    public func string(_ key: String) -> String? { fields[key].flatMap { reader.string($0) } }

    public func int(_ key: String, in range: ClosedRange<Int>? = nil) -> Int? { fields[key].flatMap { reader.int($0, in: range) } }

    public func double(_ key: String, in range: ClosedRange<Double>? = nil) -> Double? {
        fields[key].flatMap { reader.double($0, in: range) }
    }

    public func bool(_ key: String) -> Bool? { fields[key].flatMap { reader.bool($0) } }

    /// An AWS region name (`eu-west-1`), the one rule `AWSRegionName` keeps; anything else is an
    /// error on the field and nil.
    public func awsRegion(_ key: String) -> String? {
        guard let region = string(key) else { return nil }
        guard AWSRegionName.valid(region) else {
            error(key, "must be an AWS region such as eu-west-1, got '\(region)'")
            return nil
        }
        return region
    }

    /// A duration such as `30s` or `5m`.
    public func duration(_ key: String, minimum: Double = 0) -> Double? { fields[key].flatMap { reader.duration($0, minimum: minimum) } }

    /// One of a fixed set of words.
    public func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> E? where E.RawValue == String {
        fields[key].flatMap { reader.choice($0, type) }
    }

    /// A path, resolved against the spec's folder; it need not exist yet.
    public func path(_ key: String) -> String? {
        guard let raw = string(key) else { return nil }
        return raw.hasPrefix("/") ? raw : (directory as NSString).appendingPathComponent(raw)
    }

    /// A list of strings.
    public func strings(_ key: String) -> [String]? {
        guard let f = fields[key], let items = reader.sequence(f) else { return nil }
        let values = items.compactMap { reader.string($0) }
        return values.count == items.count ? values : nil
    }

    /// Free-form names to strings, in the file's order (dimensions, headers).
    public func stringMap(_ key: String) -> [(key: String, value: String)]? {
        fields[key].flatMap { reader.stringMap($0) }.map { $0.map { ($0.key, $0.value) } }
    }

    /// The name of an environment variable that holds a secret; the secret never goes in a spec.
    public func environmentName(_ key: String) -> String? {
        guard let name = string(key) else { return nil }
        guard name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            error(key, "must name an environment variable (the secret itself never goes in a spec), got '\(name)'")
            return nil
        }
        return name
    }

    /// The settings of a nested mapping, with its own allowed keys.
    public func mapping(_ key: String, allowed: [String], required: [String] = []) -> SettingsReader? {
        guard let f = fields[key], let inner = reader.mapping(f, allowed: allowed, required: required) else { return nil }
        return SettingsReader(reader: reader, field: f, fields: inner)
    }

    /// Each entry of a list of mappings, with its own allowed keys.
    public func mappings(_ key: String, allowed: [String], required: [String] = []) -> [SettingsReader]? {
        guard let f = fields[key], let items = reader.sequence(f) else { return nil }
        return items.compactMap { item in
            reader.mapping(item, allowed: allowed, required: required).map { SettingsReader(reader: reader, field: item, fields: $0) }
        }
    }
}
