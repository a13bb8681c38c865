import Yams

/// Reading an entry whose `kind` names a registered router or metrics source.
extension SpecParser {
    /// The `kind` of a mapping, when it is a plain word (anything else is reported by the
    /// parser's own reading of the mapping).
    func kindName(_ field: YAMLField) -> String? {
        guard case .mapping(let map) = field.node else { return nil }
        return map["kind"]?.scalar?.string
    }

    /// The kind's settings, or nil with every problem reported. A kind that answers nil without
    /// saying why still fails the spec: a router silently replaced by `builtin` would move no
    /// traffic the user expects moved.
    func registered<T>(_ field: YAMLField, keys: [String], read: (SettingsReader) -> T?) -> T? {
        guard let m = reader.mapping(field, allowed: ["kind"] + keys) else { return nil }
        let before = reader.diagnostics.count
        let value = read(SettingsReader(reader: reader, field: field, fields: m))
        if value == nil && reader.diagnostics.count == before {
            reader.error(field.node, field.path, "settings for kind '\(kindName(field) ?? "?")' could not be read")
        }
        return value
    }
}
