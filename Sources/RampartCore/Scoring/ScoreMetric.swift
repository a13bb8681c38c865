/// The metrics `rampart score` and the gates can compute, each a pure function of its inputs.
/// Every result carries a signature (metric, tokenizer, options, version) so scores from
/// different runs are only compared when they were computed the same way.
public enum ScoreMetric: String, CaseIterable, Sendable, Codable {
    case exact
    case contains
    case icontains
    case regex
    case json
    case tokenF1 = "token-f1"
    case levenshtein
    case rouge1 = "rouge-1"
    case rouge2 = "rouge-2"
    case rougeL = "rouge-l"
    case bleu
    case vader
    case refusal

    /// Metrics of one text alone (no reference).
    public var singleText: Bool { self == .vader || self == .refusal || self == .json }

    /// What a metric takes besides the candidate, for `contains`/`regex`/`json`.
    public struct Parameters: @unchecked Sendable {
        /// `regex`: the pattern (ICU syntax).
        public var pattern: String?
        /// `json`: a JSON Schema (subset) the output must satisfy.
        public var schema: Any?
        public init(pattern: String? = nil, schema: Any? = nil) {
            self.pattern = pattern
            self.schema = schema
        }
    }

    public struct Result: Sendable, Equatable {
        public var score: Double
        public var precision: Double?
        public var recall: Double?
        public var signature: String
        /// Extra named numbers (VADER's pos/neu/neg).
        public var extras: [String: Double] = [:]
    }

    public func score(candidate: String, references: [String], parameters: Parameters = .init()) -> Result {
        switch self {
        case .contains:
            return Result(score: references.contains { candidate.contains($0) } ? 1 : 0, signature: "contains|case-sensitive|v1")
        case .icontains:
            let c = candidate.lowercased()
            return Result(score: references.contains { c.contains($0.lowercased()) } ? 1 : 0, signature: "icontains|lowercase|v1")
        case .regex:
            guard let pattern = parameters.pattern, let re = try? NSRegularExpression(pattern: pattern) else {
                return Result(score: 0, signature: "regex|icu|invalid-pattern|v1")
            }
            let found = re.firstMatch(in: candidate, range: NSRange(candidate.startIndex..., in: candidate)) != nil
            return Result(score: found ? 1 : 0, signature: "regex|icu|search|v1")
        case .json:
            guard let value = JSONSchemaSubset.parse(candidate) else { return Result(score: 0, signature: "json|parse|v1", extras: ["valid_json": 0]) }
            guard let schema = parameters.schema else { return Result(score: 1, signature: "json|parse|v1", extras: ["valid_json": 1]) }
            let errors = JSONSchemaSubset.validate(value, schema: schema)
            return Result(score: errors.isEmpty ? 1 : 0, signature: "json|schema-subset|v1", extras: ["valid_json": 1, "schema_errors": Double(errors.count)])
        case .exact:
            return Result(score: TokenF1.exactMatch(candidate, references: references), signature: "exact|squad-normalize|v1")
        case .tokenF1:
            return Result(score: TokenF1.score(candidate, references: references), signature: TokenF1.signature)
        case .levenshtein:
            let best = references.map { Levenshtein.similarity(candidate.precomposedStringWithCanonicalMapping, $0.precomposedStringWithCanonicalMapping) }.max() ?? 0
            return Result(score: best, signature: "levenshtein|scalars|nfc|1-d/max|v1")
        case .rouge1, .rouge2, .rougeL:
            let s = Rouge.best(references) { ref in
                switch self {
                case .rouge1: Rouge.n(1, candidate: candidate, reference: ref)
                case .rouge2: Rouge.n(2, candidate: candidate, reference: ref)
                default: Rouge.l(candidate: candidate, reference: ref)
                }
            }
            return Result(score: s.fmeasure, precision: s.precision, recall: s.recall, signature: Rouge.signature(rawValue, tokenizer: .rougeScore))
        case .bleu:
            return Result(score: Bleu.sentence(candidate, references: references).score, signature: Bleu.signature)
        case .vader:
            let v = Vader.polarity(candidate)
            return Result(score: v.compound, signature: Vader.signature, extras: ["pos": v.pos, "neu": v.neu, "neg": v.neg])
        case .refusal:
            return Result(score: RefusalDetector.isRefusal(candidate) ? 1 : 0, signature: "refusal|lexical|v1")
        }
    }
}

import Foundation
