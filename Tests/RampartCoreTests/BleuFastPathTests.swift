import Testing

@testable import RampartCore

/// Sentence BLEU's byte-level path gives exactly the general path's result (and so sacrebleu's,
/// which the agreement fixtures check): every ASCII byte but the three 13a rewrites, numbers with
/// `.` `,` `-` in all positions, repeats, several references, long texts.
struct BleuFastPathTests {
    static let alphabet: [String] =
        ["the", "cat", "Cat", "sat", "3.5", "1,000", "12-", "-4", "a.b", "x,", ",y", "e.g.", "(hi)", "don't", "5-6", "..", ",,", "9"]
        + (0..<128).filter { $0 != 0x0A && $0 != 0x26 && $0 != 0x3C }.map { String(UnicodeScalar(UInt8($0))) }

    static func text(_ rng: inout SeededRandom, words: Int) -> String {
        (0..<words).map { _ in alphabet[rng.index(below: alphabet.count)] + (rng.chance(0.6) ? " " : "") }.joined()
    }

    @Test func theFastPathAgreesWithTheGeneralPathEverywhere() {
        var rng = SeededRandom(seed: 13, stream: "bleu-fast-path")
        for round in 0..<3_000 {
            let size = round % 150 == 0 ? 300 : rng.index(below: 30)
            let h = Self.text(&rng, words: size)
            let refs = (0..<(1 + rng.index(below: 3))).map { _ in rng.chance(0.3) ? h : Self.text(&rng, words: size) }
            let fast = BleuASCII.sentence(h, references: refs)
            #expect(fast != nil, "the fast path took it")
            #expect(fast == Bleu.general(h, references: refs), "\(h.debugDescription) vs \(refs.debugDescription)")
        }
    }

    @Test func textsWith13aRewritesOrNonASCIITakeTheGeneralPath() {
        for text in ["a &amp; b", "a <skipped> b", "line-\nbreak", "two\nlines", "café"] {
            #expect(BleuASCII.sentence(text, references: ["a b"]) == nil, "\(text.debugDescription)")
            #expect(Bleu.sentence(text, references: ["a b"]) == Bleu.general(text, references: ["a b"]))
        }
    }
}
