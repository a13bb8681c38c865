import Foundation

/// Validates a JSON value against a subset of JSON Schema that covers what LLM output contracts
/// use: `type` (string or list), `properties`, `required`, `additionalProperties` (boolean),
/// `items`, `enum`, `const`, `minLength`/`maxLength`, `minimum`/`maximum`, `minItems`/`maxItems`.
/// Unknown keywords are ignored, as the specification says. Errors carry JSON Pointer paths.
public enum JSONSchemaSubset {
    public static func validate(_ value: Any, schema: Any, path: String = "") -> [String] {
        guard let s = schema as? [String: Any] else { return [] }
        var errors: [String] = []
        let at = path.isEmpty ? "/" : path
        if let t = s["type"] {
            let allowed = (t as? [String]) ?? [(t as? String) ?? ""]
            if !allowed.contains(where: { matches(value, type: $0) }) {
                errors.append("\(at): expected \(allowed.joined(separator: " or ")), got \(typeName(value))")
                return errors
            }
        }
        if let options = s["enum"] as? [Any], !options.contains(where: { equal($0, value) }) {
            errors.append("\(at): not one of the allowed values")
        }
        if let c = s["const"], !equal(c, value) { errors.append("\(at): does not equal the required constant") }
        if let str = value as? String {
            if let min = s["minLength"] as? Int, str.count < min { errors.append("\(at): shorter than \(min) characters") }
            if let max = s["maxLength"] as? Int, str.count > max { errors.append("\(at): longer than \(max) characters") }
        }
        if let number = value as? NSNumber, !isBool(number) {
            if let min = (s["minimum"] as? NSNumber)?.doubleValue, number.doubleValue < min { errors.append("\(at): below the minimum \(min)") }
            if let max = (s["maximum"] as? NSNumber)?.doubleValue, number.doubleValue > max { errors.append("\(at): above the maximum \(max)") }
        }
        if let object = value as? [String: Any] {
            for key in (s["required"] as? [String]) ?? [] where object[key] == nil {
                errors.append("\(at): missing required property '\(key)'")
            }
            let properties = (s["properties"] as? [String: Any]) ?? [:]
            for (key, child) in object.sorted(by: { $0.key < $1.key }) {
                let childPath = path + "/" + key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                if let sub = properties[key] {
                    errors += validate(child, schema: sub, path: childPath)
                } else if let extra = s["additionalProperties"] as? Bool, !extra {
                    errors.append("\(childPath): property not allowed")
                }
            }
        }
        if let array = value as? [Any] {
            if let min = s["minItems"] as? Int, array.count < min { errors.append("\(at): fewer than \(min) items") }
            if let max = s["maxItems"] as? Int, array.count > max { errors.append("\(at): more than \(max) items") }
            if let itemSchema = s["items"] {
                for (i, item) in array.enumerated() { errors += validate(item, schema: itemSchema, path: "\(path)/\(i)") }
            }
        }
        return errors
    }

    /// JSON booleans arrive as NSNumber; only their objCType ("c") tells them from 0 and 1.
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    static func matches(_ v: Any, type: String) -> Bool {
        switch type {
        case "object": return v is [String: Any]
        case "array": return v is [Any]
        case "string": return v is String
        case "null": return v is NSNull
        case "boolean": return (v as? NSNumber).map(isBool) ?? false
        case "number": return (v as? NSNumber).map { !isBool($0) } ?? false
        case "integer":
            guard let n = v as? NSNumber, !isBool(n) else { return false }
            return n.doubleValue.rounded() == n.doubleValue
        default: return false
        }
    }

    static func typeName(_ v: Any) -> String {
        for t in ["null", "boolean", "integer", "number", "string", "array", "object"] where matches(v, type: t) { return t }
        return "unknown"
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        guard let x = try? JSONSerialization.data(withJSONObject: [a], options: .sortedKeys),
            let y = try? JSONSerialization.data(withJSONObject: [b], options: .sortedKeys)
        else { return false }
        return x == y
    }

    /// Parses model output as JSON, accepting a fenced ```json block, as models often wrap it.
    public static func parse(_ text: String) -> Any? {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if t.hasPrefix("```") {
            t = String(t.drop { $0 != "\n" }.dropFirst())
            if let end = t.range(of: "```", options: .backwards) { t = String(t[..<end.lowerBound]) }
        }
        return try? JSONSerialization.jsonObject(with: Data(t.utf8), options: [.fragmentsAllowed])
    }
}
