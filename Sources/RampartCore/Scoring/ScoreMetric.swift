/// The metrics `rampart score` and the gates can compute, each a pure function of its inputs.
/// Every result carries a signature (metric, tokenizer, options, version) so scores from
/// different runs are only compared when they were computed the same way.
public enum ScoreMetric: String, CaseIterable, Sendable, Codable {
    case exact
    case tokenF1 = "token-f1"
    case levenshtein
    case rouge1 = "rouge-1"
    case rouge2 = "rouge-2"
    case rougeL = "rouge-l"
    case bleu
    case vader
    case refusal

    /// Metrics of one text alone (no reference).
    public var singleText: Bool { self == .vader || self == .refusal }

    public struct Result: Sendable, Equatable {
        public var score: Double
        public var precision: Double?
        public var recall: Double?
        public var signature: String
        /// Extra named numbers (VADER's pos/neu/neg).
        public var extras: [String: Double] = [:]
    }

    public func score(candidate: String, references: [String]) -> Result {
        switch self {
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
