import Foundation
import Testing

@testable import RampartCore

/// ROUGE against Google's rouge-score and BLEU against sacrebleu, within 1e-6, on the fixtures
/// made by Fixtures/reference/generate_scorers.py.
struct ScorerAgreementTests {
    struct Case: Sendable, CustomStringConvertible {
        var candidate: String
        var references: [String]
        var rouge: [String: [String: Double]]
        var bleu: [String: Double]
        var tokens13a: [String]
        var description: String { String(candidate.prefix(40)) }
    }

    static let cases: [Case] = {
        let json = try! loadJSON(Paths.fixture("reference/scorers-reference.json"))
        return (json["cases"] as! [[String: Any]]).map {
            Case(
                candidate: $0["candidate"] as! String, references: $0["references"] as! [String],
                rouge: $0["rouge"] as! [String: [String: Double]], bleu: ($0["bleu"] as! [String: Any]).mapValues { ($0 as! NSNumber).doubleValue },
                tokens13a: $0["tokens_13a"] as! [String])
        }
    }()

    @Test("ROUGE-1/2/L agree with rouge-score", arguments: cases)
    func rouge(_ c: Case) {
        let ours: [String: Rouge.Score] = [
            "rouge1": Rouge.best(c.references) { Rouge.n(1, candidate: c.candidate, reference: $0) },
            "rouge2": Rouge.best(c.references) { Rouge.n(2, candidate: c.candidate, reference: $0) },
            "rougeL": Rouge.best(c.references) { Rouge.l(candidate: c.candidate, reference: $0) },
        ]
        for (key, expected) in c.rouge {
            let s = ours[key]!
            #expect(abs(s.fmeasure - expected["fmeasure"]!) < 1e-6, "\(key) F")
            #expect(abs(s.precision - expected["precision"]!) < 1e-6, "\(key) P")
            #expect(abs(s.recall - expected["recall"]!) < 1e-6, "\(key) R")
        }
    }

    @Test("sentence BLEU agrees with sacrebleu", arguments: cases)
    func bleu(_ c: Case) {
        #expect(Bleu.tokenize13a(c.candidate) == c.tokens13a)
        let r = Bleu.sentence(c.candidate, references: c.references)
        #expect(abs(r.score - c.bleu["score"]!) < 1e-6)
        #expect(abs(r.brevityPenalty - c.bleu["bp"]!) < 1e-6)
        #expect(r.hypothesisLength == Int(c.bleu["sys_len"]!))
        #expect(r.referenceLength == Int(c.bleu["ref_len"]!))
    }

    @Test func fixturesCoverEnoughPairs() {
        #expect(Self.cases.count >= 50)
    }

    @Test func unicodeModeKeepsNonASCIIWords() {
        #expect(Rouge.tokenize("版本 已发布 café", .rougeScore) == ["caf"])
        #expect(Rouge.tokenize("版本 已发布 café", .unicode) == ["版本", "已发布", "café"])
        #expect(Rouge.l(candidate: "版本 已发布", reference: "版本 发布了", tokenizer: .unicode).fmeasure == 0.5)
    }
}
