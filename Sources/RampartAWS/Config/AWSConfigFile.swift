/// The shared AWS config and credentials files, read as botocore reads them: `[default]`,
/// `[profile NAME]` in the config file but `[NAME]` in the credentials file, `[services NAME]`
/// for endpoint overrides, full-line `#` and `;` comments, lower-cased keys, and an empty value
/// followed by indented `key = value` lines as a nested section (`sns =` / `  endpoint_url = …`).
public struct AWSConfigFile: Sendable, Equatable {
    public typealias Section = [String: Value]

    public enum Value: Sendable, Equatable {
        case text(String)
        case nested([String: String])

        public var text: String? {
            if case .text(let t) = self { return t }
            return nil
        }
    }

    /// Profiles by name; the credentials file's keys win over the config file's for one profile.
    public var profiles: [String: Section] = [:]
    /// `[services NAME]` sections: service id to its settings (`endpoint_url`).
    public var services: [String: [String: [String: String]]] = [:]

    public init() {}

    /// Both files merged; either may be missing (nil).
    public init(config: String?, credentials: String?) {
        for (name, section) in Self.sections(config ?? "") {
            if name == "default" || name == "profile default" {
                profiles["default", default: [:]].merge(section) { _, new in new }
            } else if name.hasPrefix("profile ") {
                let profile = String(name.dropFirst("profile ".count)).strippingBlanks()
                profiles[profile, default: [:]].merge(section) { _, new in new }
            } else if name.hasPrefix("services ") {
                let id = String(name.dropFirst("services ".count)).strippingBlanks()
                services[id] = section.compactMapValues { if case .nested(let n) = $0 { return n } else { return nil } }
            }
        }
        for (name, section) in Self.sections(credentials ?? "") {
            profiles[name, default: [:]].merge(section) { _, new in new }
        }
    }

    public func value(_ key: String, profile: String) -> String? {
        profiles[profile]?[key]?.text.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Sections in file order (a repeated section adds to the earlier one, as ConfigParser does).
    static func sections(_ text: String) -> [(String, Section)] {
        var out: [(String, Section)] = []
        var current: (name: String, section: Section)?
        var nestedKey: String?
        func flush() { if let c = current { out.append((c.name, c.section)) } }
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.hasSuffix("\r") ? String(raw.dropLast()) : String(raw)
            let trimmed = line.strippingBlanks()
            if trimmed.isEmpty || trimmed.hasPrefix("#") || trimmed.hasPrefix(";") { continue }
            if trimmed.hasPrefix("[") && trimmed.hasSuffix("]") {
                flush()
                current = (String(trimmed.dropFirst().dropLast()).strippingBlanks(), [:])
                nestedKey = nil
                continue
            }
            guard current != nil, let eq = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            let key = String(trimmed[..<eq]).strippingBlanks().lowercased()
            let value = String(trimmed[trimmed.index(after: eq)...]).strippingBlanks()
            let indented = line.first == " " || line.first == "\t"
            if indented, let parent = nestedKey {
                if case .nested(var n) = current?.section[parent] {
                    n[key] = value
                    current?.section[parent] = .nested(n)
                }
                continue
            }
            if value.isEmpty {
                nestedKey = key
                current?.section[key] = .nested([:])
            } else {
                nestedKey = nil
                current?.section[key] = .text(value)
            }
        }
        flush()
        return out
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (ConfigParser's strip of keys and values).
    func strippingBlanks() -> String {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
