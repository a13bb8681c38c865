import Foundation

/// One line of `rampart score` input, read for a metric: what is scored against what.
public struct ScoreInput: Sendable {
    public var candidate: String
    public var references: [String]
    public var parameters = ScoreMetric.Parameters()

    /// The line's input when it is plainly well formed, read without Foundation; nil for
    /// anything else (a regex line, a schema, a missing or mistyped field, JSON the fast decoder
    /// is unsure of), which `parse(_:metric:)` then reads and, if need be, explains.
    public static func parseFast(_ line: UnsafeRawBufferPointer, metric: ScoreMetric) -> ScoreInput? {
        guard metric != .regex, let tape = JSONTape.parse(line), let members = Members(tape), members.schema < 0 else { return nil }
        // A member that is present must have the type the metrics read (a null or a number goes
        // to `parse`, which names the problem).
        func string(_ index: Int) -> String?? {
            index < 0 ? .some(nil) : (try? tape.string(index)).map { .some($0) }
        }
        guard let text = string(members.text), let candidate = string(members.candidate), let reference = string(members.reference)
        else { return nil }
        var references: [String]?
        if members.references >= 0 {
            let list = tape.tokens[members.references]
            guard list.kind == .array else { return nil }
            var all: [String] = []
            var k = members.references + 1
            while k < Int(list.next) {
                guard let s = try? tape.string(k) else { return nil }
                all.append(s)
                k = Int(tape.tokens[k].next)
            }
            references = all
        }
        if metric.singleText { return (text ?? candidate).map { ScoreInput(candidate: $0, references: []) } }
        guard let candidate else { return nil }
        if let list = references { return list.isEmpty ? nil : ScoreInput(candidate: candidate, references: list) }
        return reference.map { ScoreInput(candidate: candidate, references: [$0]) }
    }

    /// Token F1 of a plainly well-formed ASCII line, straight from its bytes: what
    /// `parseFast` then `ScoreMetric.tokenF1` give, without a `String` per text (a third of
    /// `rampart score --metric token-f1`). Nil for anything else: an escaped string, a member
    /// of another type, a line `parseFast` refuses, text outside ASCII.
    public static func tokenF1Fast(_ line: UnsafeRawBufferPointer) -> ScoreMetric.Result? {
        guard let tape = JSONTape.parse(line), let members = Members(tape), members.schema < 0, members.candidate >= 0 else { return nil }
        func plain(_ index: Int) -> Bool { index < 0 || tape.tokens[index].kind == .string }
        guard plain(members.text), plain(members.candidate), plain(members.reference) else { return nil }
        var references: [UnsafeRawBufferPointer] = []
        if members.references >= 0 {
            let list = tape.tokens[members.references]
            guard list.kind == .array, list.count > 0 else { return nil }
            var k = members.references + 1
            while k < Int(list.next) {
                guard tape.tokens[k].kind == .string else { return nil }
                references.append(tape.slice(tape.tokens[k]))
                k = Int(tape.tokens[k].next)
            }
        } else {
            guard members.reference >= 0 else { return nil }
            references.append(tape.slice(tape.tokens[members.reference]))
        }
        return ASCIITokens.bestF1(tape.slice(tape.tokens[members.candidate]), references).map {
            ScoreMetric.Result(score: $0, signature: TokenF1.signature)
        }
    }

    /// Where the members `parseFast` reads are in a top-level object (token indices of their
    /// values, −1 when absent); nil when the text is not an object, a key is escaped or one of
    /// these keys appears twice (Foundation's call).
    private struct Members {
        var text = -1, candidate = -1, reference = -1, references = -1, schema = -1

        init?(_ tape: JSONTape) {
            guard let object = tape.tokens.first, object.kind == .object else { return nil }
            var i = 1
            while i < Int(object.next) {
                let key = tape.tokens[i]
                guard key.kind == .string else { return nil }
                let name = tape.slice(key)
                let value = i + 1
                func take(_ slot: inout Int) -> Bool {
                    if slot >= 0 { return false }
                    slot = value
                    return true
                }
                let fresh: Bool =
                    switch name.count {
                    case 4 where name.elementsEqual("text".utf8): take(&text)
                    case 6 where name.elementsEqual("schema".utf8): take(&schema)
                    case 9 where name.elementsEqual("candidate".utf8): take(&candidate)
                    case 9 where name.elementsEqual("reference".utf8): take(&reference)
                    case 10 where name.elementsEqual("references".utf8): take(&references)
                    default: true
                    }
                guard fresh else { return nil }
                i = Int(tape.tokens[value].next)
            }
        }
    }

    public static func parse(_ line: String, metric: ScoreMetric) -> Result<ScoreInput, ScoreLineError> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            return .failure("not a JSON object")
        }
        if metric.singleText {
            guard let text = (object["text"] ?? object["candidate"]) as? String else { return .failure("needs a string 'text'") }
            if let schema = object["schema"], !(schema is [String: Any]) { return .failure("'schema' must be a JSON object") }
            return .success(ScoreInput(candidate: text, references: [], parameters: .init(schema: object["schema"])))
        }
        if metric == .regex {
            guard let candidate = object["candidate"] as? String else { return .failure("needs a string 'candidate'") }
            guard let pattern = object["pattern"] as? String else { return .failure("needs a string 'pattern'") }
            guard (try? NSRegularExpression(pattern: pattern)) != nil else { return .failure("'pattern' is not a valid regular expression") }
            return .success(ScoreInput(candidate: candidate, references: [], parameters: .init(pattern: pattern)))
        }
        guard let candidate = object["candidate"] as? String else { return .failure("needs a string 'candidate'") }
        if let refs = object["references"] {
            guard let list = refs as? [String], !list.isEmpty else { return .failure("'references' must be a non-empty list of strings") }
            return .success(ScoreInput(candidate: candidate, references: list))
        }
        guard let reference = object["reference"] as? String else { return .failure("needs a string 'reference' or a list 'references'") }
        return .success(ScoreInput(candidate: candidate, references: [reference]))
    }
}

/// Why a line cannot be scored, said to the user with its line number.
public struct ScoreLineError: Error, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    public var description: String
    public init(stringLiteral value: String) { description = value }
}
