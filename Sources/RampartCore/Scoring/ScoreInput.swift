import Foundation

/// One line of `rampart score` input, read for a metric: what is scored against what.
public struct ScoreInput: Sendable {
    public var candidate: String
    public var references: [String]
    public var parameters = ScoreMetric.Parameters()

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
