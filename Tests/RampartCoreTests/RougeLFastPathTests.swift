import Testing

@testable import RampartCore

/// ROUGE-L's byte-level path gives exactly the general path's numbers (and so rouge-score's, which
/// the agreement fixtures check) on every ASCII corner: case, digits, punctuation and control
/// characters as separators, repeated tokens, empty texts, and long texts.
struct RougeLFastPathTests {
    static let alphabet: [String] =
        ["The", "the", "THE", "cat", "Cat", "sat", "on", "mat", "42", "a1", "x", "don't", "e-mail"]
        + (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    static func text(_ rng: inout SeededRandom, words: Int) -> String {
        (0..<words).map { _ in alphabet[rng.index(below: alphabet.count)] + (rng.chance(0.6) ? " " : "") }.joined()
    }

    @Test func theFastPathAgreesWithTheGeneralPathEverywhere() {
        var rng = SeededRandom(seed: 11, stream: "rouge-l-fast-path")
        for round in 0..<4_000 {
            let size = round % 200 == 0 ? 400 : rng.index(below: 30)
            let c = Self.text(&rng, words: size)
            let r = rng.chance(0.2) ? c : Self.text(&rng, words: size)
            #expect(RougeLASCII.lcs(c, r) != nil, "the fast path took it")
            let fast = Rouge.l(candidate: c, reference: r), general = Rouge.general(candidate: c, reference: r, tokenizer: .rougeScore)
            #expect(fast == general, "\(c.debugDescription) vs \(r.debugDescription)")
        }
    }

    @Test func nonASCIIAndTheUnicodeTokenizerTakeTheGeneralPath() {
        // The Kelvin sign lowercases to an ASCII k: only the general path sees that.
        #expect(RougeLASCII.lcs("\u{212A}ilo", "kilo") == nil)
        #expect(Rouge.l(candidate: "\u{212A}ilo", reference: "kilo").fmeasure == 1)
        #expect(Rouge.l(candidate: "café au lait", reference: "café", tokenizer: .unicode).recall == 1)
        #expect(Rouge.l(candidate: "", reference: "x") == Rouge.Score(precision: 0, recall: 0, fmeasure: 0))
    }
}
