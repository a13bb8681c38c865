import Foundation

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

    /// By name, in the CLI's spelling (`rouge-l`) or the spec's (`rouge_l`), any case.
    public static func named(_ name: String) -> ScoreMetric? { NameSpelling.match(name.lowercased()) }

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
        /// Why no score could be computed within the scorer's bounds; `score` means nothing then.
        public var error: String? = nil
    }

    /// Work allowed for one regex search. ICU reports progress about once per start position
    /// and periodically inside a long match: beyond 1,000 + 2 × the text's length reports (the
    /// same on any machine, so a verdict never depends on its speed) the search gives up. A
    /// pattern that backtracks catastrophically, `(x+x+)+y` on forty x's, fails in milliseconds
    /// with a reason instead of running for minutes.
    public static func regexProgressBudget(length: Int) -> Int { 1_000 + 2 * length }

    public func score(candidate: String, references: [String], parameters: Parameters = .init()) -> Result {
        switch self {
        case .contains:
            return Result(score: references.contains { candidate.contains($0) } ? 1 : 0, signature: "contains|case-sensitive|v1")
        case .icontains:
            let c = candidate.lowercased()
            return Result(score: references.contains { c.contains($0.lowercased()) } ? 1 : 0, signature: "icontains|lowercase|v1")
        case .regex:
            return Self.regex(candidate, pattern: parameters.pattern)
        case .json:
            return Self.json(candidate, schema: parameters.schema)
        case .exact:
            return Result(score: TokenF1.exactMatch(candidate, references: references), signature: "exact|squad-normalize|v1")
        case .tokenF1:
            return Result(score: TokenF1.score(candidate, references: references), signature: TokenF1.signature)
        case .levenshtein:
            return Self.levenshtein(candidate, references: references)
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

extension ScoreMetric {
    /// A search under a progress budget: a pattern that backtracks catastrophically is an error
    /// with a reason, never minutes of CPU.
    static func regex(_ candidate: String, pattern: String?) -> Result {
        guard let pattern, let re = try? NSRegularExpression(pattern: pattern) else {
            return Result(score: 0, signature: "regex|icu|invalid-pattern|v1")
        }
        var found = false
        var calls = 0
        var gaveUp = false
        let range = NSRange(candidate.startIndex..., in: candidate)
        let budget = ScoreMetric.regexProgressBudget(length: range.length)
        re.enumerateMatches(in: candidate, options: [.reportProgress], range: range) { match, _, stop in
            if match != nil {
                found = true
                stop.pointee = true
                return
            }
            calls += 1
            if calls > budget {
                gaveUp = true
                stop.pointee = true
            }
        }
        if gaveUp && !found {
            var r = Result(score: 0, signature: "regex|icu|search|v1")
            r.error = "the pattern backtracks beyond the search budget (catastrophic backtracking); simplify it"
            return r
        }
        return Result(score: found ? 1 : 0, signature: "regex|icu|search|v1")
    }

    /// Valid JSON, and when a schema is given, valid against it (the subset Rampart checks).
    static func json(_ candidate: String, schema: Any?) -> Result {
        guard let value = JSONSchemaSubset.parse(candidate) else {
            return Result(score: 0, signature: "json|parse|v1", extras: ["valid_json": 0])
        }
        guard let schema else { return Result(score: 1, signature: "json|parse|v1", extras: ["valid_json": 1]) }
        let errors = JSONSchemaSubset.validate(value, schema: schema)
        return Result(
            score: errors.isEmpty ? 1 : 0, signature: "json|schema-subset|v1", extras: ["valid_json": 1, "schema_errors": Double(errors.count)])
    }

    /// The best similarity to any reference, on NFC scalars; strings too long to compare within
    /// the cell budget are an error, not a score.
    static func levenshtein(_ candidate: String, references: [String]) -> Result {
        let c = candidate.precomposedStringWithCanonicalMapping
        var best = 0.0
        for reference in references {
            guard let s = Levenshtein.boundedSimilarity(c, reference.precomposedStringWithCanonicalMapping) else {
                var r = Result(score: 0, signature: "levenshtein|scalars|nfc|1-d/max|v1")
                r.error =
                    "too long for edit distance: the strings differ over more than \(Levenshtein.maxCells) cells (length × length after their common ends)"
                return r
            }
            best = max(best, s)
        }
        return Result(score: best, signature: "levenshtein|scalars|nfc|1-d/max|v1")
    }
}
