/// Reads the text of named elements in the small XML documents AWS's query protocol answers with
/// (`<PublishResponse>`, `<ErrorResponse>`, STS credentials). Those documents have no attributes
/// that matter, no CDATA and no mixed content, so element text by name is all Rampart needs, and
/// it avoids a libxml2 dependency for a handful of fields.
public struct XMLText: Sendable {
    public let text: String

    public init(_ bytes: [UInt8]) { text = String(decoding: bytes, as: UTF8.self) }
    public init(_ text: String) { self.text = text }

    /// The decoded text of the first `<name>` element (with or without a namespace prefix on the
    /// tag), or nil when there is none. An element holding other elements gives its raw inside.
    public func first(_ name: String) -> String? { all(name).first }

    /// Every `<name>` element's decoded text, in document order.
    public func all(_ name: String) -> [String] {
        var out: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(name)") {
            let afterName = rest[open.upperBound...]
            guard let next = afterName.first, next == ">" || next == " " || next == "/" else {
                rest = afterName
                continue
            }
            guard let close = afterName.firstIndex(of: ">") else { break }
            if close > afterName.startIndex, afterName[afterName.index(before: close)] == "/" {  // <name/>
                out.append("")
                rest = afterName[afterName.index(after: close)...]
                continue
            }
            let body = afterName[afterName.index(after: close)...]
            guard let end = body.range(of: "</\(name)>") else { break }
            out.append(Self.decode(String(body[..<end.lowerBound])))
            rest = body[end.upperBound...]
        }
        return out
    }

    /// The five predefined entities and numeric character references.
    static func decode(_ s: String) -> String {
        guard s.contains("&") else { return s }
        var out = ""
        var i = s.startIndex
        while i < s.endIndex {
            guard s[i] == "&", let semi = s[i...].prefix(12).firstIndex(of: ";") else {
                out.append(s[i])
                i = s.index(after: i)
                continue
            }
            let entity = s[s.index(after: i)..<semi]
            let named = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'"][String(entity)]
            var scalar: Unicode.Scalar?
            if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
            } else if entity.hasPrefix("#") {
                scalar = UInt32(entity.dropFirst(1)).flatMap(Unicode.Scalar.init)
            }
            if let named {
                out += named
            } else if let scalar {
                out.unicodeScalars.append(scalar)
            } else {
                out += s[i...semi]
            }
            i = s.index(after: semi)
        }
        return out
    }
}
