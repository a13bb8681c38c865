import Testing

@testable import RampartCore

/// The byte-level path of VADER gives exactly what the general path (and so the vaderSentiment
/// agreement fixtures) gives, on texts built to reach every rule: lexicon words in every case,
/// boosters before them at each distance, negations (listed and "n't"), "no … or", "never so",
/// "without doubt", "at least", "kind of", the special-case and booster phrases, "but", emoticons
/// that survive stripping, "!" and "?" runs, every ASCII byte and every white space.
struct VaderFastPathTests {
    static let alphabet: [String] =
        [
            "good", "Good", "GOOD", "bad", "BAD", "great", "terrible", "love", "hate", "no", "No", "NO", "not", "isn't", "ISN'T",
            "dont", "never", "so", "this", "without", "doubt", "at", "least", "very", "VERY", "extremely", "kind", "of", "sort",
            "kinda", "barely", "or", "nor", "but", "BUT", "the", "shit", "bomb", "bad", "ass", "badass", "bus", "stop", "yeah",
            "right", "kiss", "death", "to", "die", "for", "beating", "heart", "just", "enough", "happy!", "sad?", "(good)", "'bad'",
            ":)", ":-(", ":D", "XD", "<3", "D:", "!!!", "??", "?", "!", "n't", "wasn't", "uh-uh", "refund", "order", "42", "e-mail",
            "okay", "lol", "LOL", "meh", "funny", "sucks", "killer", "hard", "...",
        ]
        + (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    static func text(_ rng: inout SeededRandom, words: Int) -> String {
        var s = ""
        for _ in 0..<words {
            s += alphabet[rng.index(below: alphabet.count)]
            if rng.chance(0.8) { s += [" ", "  ", "\t", "\r\n", "\n", "\u{0B}", "\u{0C}", "\r"][rng.index(below: 8)] }
        }
        return s
    }

    @Test func theFastPathAgreesWithTheGeneralPathEverywhere() {
        var rng = SeededRandom(seed: 11, stream: "vader-fast-path")
        var nonZero = 0
        for round in 0..<6_000 {
            let t = Self.text(&rng, words: round % 200 == 0 ? 400 : rng.index(below: 24))
            guard let fast = VaderASCII.polarity(t) else {
                Issue.record("the fast path refused ASCII text \(t.debugDescription)")
                continue
            }
            let general = Vader.general(t)
            #expect(fast == general, "\(t.debugDescription): \(fast) ≠ \(general)")
            if general.compound != 0 { nonZero += 1 }
        }
        #expect(nonZero > 3_000, "most texts carry sentiment, so the rules were exercised: \(nonZero)")
    }

    /// Each rule on its own, so a disagreement names the rule.
    @Test(arguments: [
        "The food is GOOD but the service is bad!!", "not good", "no good or bad", "never so good", "without doubt good",
        "at least good", "least good", "kind of good", "sort of bad", "the shit", "kiss of death", "yeah right, great",
        "it is to die for", "VERY good food", "I ain't happy", "Isn't it great?? ", ":) :D XD", "good bad good bad but good",
        "", "   ", "!!!", "no", "bad ass movie", "just enough good",
    ])
    func eachRuleAgrees(_ text: String) throws {
        let fast = try #require(VaderASCII.polarity(text))
        #expect(fast == Vader.general(text))
    }

    @Test func textOutsideASCIITakesTheGeneralPath() {
        #expect(VaderASCII.polarity("très bien") == nil)
        #expect(VaderASCII.polarity("good 😀") == nil)
        #expect(Vader.polarity("good 😀") == Vader.general("good 😀"))
        #expect(Vader.polarity("good 😀").compound > Vader.polarity("good").compound, "the emoji's description scores")
    }
}

extension VaderFastPathTests {
    /// The byte table, read straight from the lexicon file, holds what `Vader.lexicon` holds.
    @Test func theTableHoldsTheLexicon() {
        let table = VaderASCII.table
        #expect(table.usable)
        var ascii = 0
        for (word, valence) in Vader.lexicon where word.utf8.allSatisfy({ $0 < 0x80 }) {
            ascii += 1
            var w = word
            let index = w.withUTF8 { table.find($0, hash: VaderASCII.hash($0)) }
            #expect(index >= 0 && table.entries[Int(index)].valence == valence, "\(word)")
        }
        #expect(ascii > 7_000)
        #expect(table.entries.filter { !$0.valence.isNaN }.count == ascii)
        #expect(table.entries.filter { !$0.boost.isNaN }.count == Vader.booster.keys.filter { !$0.contains(" ") }.count)
    }
}
