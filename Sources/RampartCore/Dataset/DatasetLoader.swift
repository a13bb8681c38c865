import Foundation

/// Reads JSON Lines datasets, checking every line and reporting each problem with its line number.
///
/// Blank lines and lines starting with `#` are skipped so datasets can carry comments and provenance.
public enum DatasetLoader {
    public static func golden(file: String) throws(InvalidInput) -> [GoldenItem] {
        try golden(text: try InputFile.read(file, what: "the dataset"), file: file)
    }

    public static func golden(text: String, file: String) throws(InvalidInput) -> [GoldenItem] {
        try load(text: text, file: file) { row in
            let id = row.string("id")
            var input = row.string("input", required: false)
            let vars = row.stringMap("vars")
            if input == nil, let v = vars?["input"] { input = v }
            if input == nil && vars == nil { row.fail("input", "required field is missing (give 'input' or 'vars')") }
            var references = row.stringList("references", required: false)
            if references == nil, let one = row.string("reference", required: false) { references = [one] }
            if row.object["references"] == nil && row.object["reference"] == nil {
                row.fail("references", "required field is missing (give 'references' or 'reference')")
            }
            if let r = references, r.isEmpty { row.fail("references", "must hold at least one reference answer") }
            let tags = row.stringList("tags", required: false) ?? []
            row.rejectUnknown(["id", "input", "vars", "references", "reference", "tags"])
            guard let id, let references else { return nil }
            let rendered = input ?? vars?.sorted { $0.key < $1.key }.map(\.value).joined(separator: " ") ?? ""
            return GoldenItem(id: id, input: rendered, vars: vars ?? [:], references: references, tags: tags)
        }
    }

    public static func guardrail(file: String) throws(InvalidInput) -> [GuardrailCase] {
        try guardrail(text: try InputFile.read(file, what: "the dataset"), file: file)
    }

    public static func guardrail(text: String, file: String) throws(InvalidInput) -> [GuardrailCase] {
        try load(text: text, file: file) { row in
            let id = row.string("id")
            let input = row.string("input")
            let expected = row.choice("expected", GuardrailCase.Expected.self)
            let category = row.string("category", required: false) ?? "uncategorised"
            row.rejectUnknown(["id", "input", "expected", "category"])
            guard let id, let input, let expected else { return nil }
            return GuardrailCase(id: id, input: input, expected: expected, category: category)
        }
    }

    public static func injection(file: String) throws(InvalidInput) -> [InjectionCase] {
        try injection(text: try InputFile.read(file, what: "the dataset"), file: file)
    }

    public static func injection(text: String, file: String) throws(InvalidInput) -> [InjectionCase] {
        try load(text: text, file: file) { row in
            let id = row.string("id")
            let attack = row.string("attack")
            let channel = row.choice("channel", InjectionCase.Channel.self)
            let secret = row.string("secret")
            if let secret, secret.count < 6 { row.fail("secret", "must be at least 6 characters so a leak is unambiguous") }
            let goal = row.string("goal", required: false) ?? "leak the secret"
            let category = row.string("category", required: false) ?? "uncategorised"
            row.rejectUnknown(["id", "attack", "channel", "secret", "goal", "category"])
            guard let id, let attack, let channel, let secret else { return nil }
            return InjectionCase(id: id, attack: attack, channel: channel, secret: secret, goal: goal, category: category)
        }
    }

    /// Reads every line, decodes it with `decode`, and fails with all problems found, including duplicate ids.
    static func load<Item>(text: String, file: String, decode: (Row) -> Item?) throws(InvalidInput) -> [Item] {
        var diagnostics: [Diagnostic] = []
        var items: [Item] = []
        var ids: [String: Int] = [:]
        for (index, line) in TextLines.split(text).enumerated() {
            let number = index + 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            let object: [String: Any]
            do {
                guard let parsed = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                    diagnostics.append(Diagnostic(file: file, line: number, column: 1, path: "", message: "each line must be a JSON object"))
                    continue
                }
                object = parsed
            } catch {
                diagnostics.append(Diagnostic(file: file, line: number, column: 1, path: "", message: "not valid JSON: \(jsonReason(error))"))
                continue
            }
            let row = Row(object: object, file: file, line: number)
            let item = decode(row)
            diagnostics += row.diagnostics
            if let id = object["id"] as? String {
                if let first = ids[id] {
                    diagnostics.append(
                        Diagnostic(file: file, line: number, column: 1, path: "id", message: "duplicate id '\(id)' (first on line \(first))"))
                } else {
                    ids[id] = number
                }
            }
            if let item, row.diagnostics.isEmpty { items.append(item) }
        }
        if items.isEmpty && diagnostics.isEmpty {
            diagnostics.append(Diagnostic(file: file, line: 1, column: 1, path: "", message: "the dataset has no items"))
        }
        if !diagnostics.isEmpty { throw InvalidInput(diagnostics) }
        return items
    }

    private static func jsonReason(_ error: any Error) -> String {
        let ns = error as NSError
        return (ns.userInfo[NSDebugDescriptionErrorKey] as? String) ?? ns.localizedDescription
    }

    /// One JSON object being read, collecting problems with the field that caused them.
    final class Row {
        let object: [String: Any]
        let file: String
        let line: Int
        private(set) var diagnostics: [Diagnostic] = []

        init(object: [String: Any], file: String, line: Int) {
            self.object = object
            self.file = file
            self.line = line
        }

        func fail(_ field: String, _ message: String) {
            diagnostics.append(Diagnostic(file: file, line: line, column: 1, path: field, message: message))
        }

        func string(_ key: String, required: Bool = true) -> String? {
            guard let value = object[key] else {
                if required { fail(key, "required field is missing") }
                return nil
            }
            guard let s = value as? String else {
                fail(key, "must be a string")
                return nil
            }
            if s.trimmingCharacters(in: .whitespaces).isEmpty {
                fail(key, "must not be empty")
                return nil
            }
            return s
        }

        func stringList(_ key: String, required: Bool = true) -> [String]? {
            guard let value = object[key] else {
                if required { fail(key, "required field is missing") }
                return nil
            }
            guard let list = value as? [Any], let strings = list as? [String] else {
                fail(key, "must be a list of strings")
                return nil
            }
            return strings
        }

        func stringMap(_ key: String) -> [String: String]? {
            guard let value = object[key] else { return nil }
            guard let map = value as? [String: Any], let strings = map as? [String: String] else {
                fail(key, "must be an object whose values are strings")
                return nil
            }
            return strings
        }

        func choice<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) -> E? where E.RawValue == String {
            guard let raw = string(key) else { return nil }
            guard let value = E(rawValue: raw) else {
                fail(key, "must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", ")); got '\(raw)'")
                return nil
            }
            return value
        }

        func rejectUnknown(_ allowed: [String]) {
            for key in object.keys.sorted() where !allowed.contains(key) {
                var message = "unknown field '\(key)'"
                if let hint = Levenshtein.suggestion(for: key, among: allowed) { message += " (did you mean '\(hint)'?)" }
                fail(key, message)
            }
        }
    }
}
