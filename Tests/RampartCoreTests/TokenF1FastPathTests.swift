import Testing

@testable import RampartCore

/// The byte-level path of token F1 gives exactly what the general path (and so the SQuAD
/// agreement fixtures) gives, on texts built to reach every corner: all ASCII bytes (control
/// characters, every punctuation mark, CR LF), articles glued to punctuation, case, repeats, and
/// answers long enough for the table that keeps the count linear.
struct TokenF1FastPathTests {
    static let alphabet: [String] =
        ["the", "The", "THE", "a", "A", "an", "An", "cat", "Cat", "sat", "mat", "on", "x", "the.", "(a)", "an,", "don't", "e-mail", "42", "4.2"]
        + (0..<128).map { String(UnicodeScalar(UInt8($0))) }

    static func text(_ rng: inout SeededRandom, words: Int) -> String {
        var s = ""
        for _ in 0..<words {
            s += alphabet[rng.index(below: alphabet.count)]
            if rng.chance(0.7) { s += [" ", "  ", "\t", "\r\n", "\n", "\u{0B}", "\u{0C}", "\r"][rng.index(below: 8)] }
        }
        return s
    }

    @Test func theFastPathAgreesWithTheGeneralPathEverywhere() {
        var rng = SeededRandom(seed: 7, stream: "token-f1-fast-path")
        var checked = 0
        for round in 0..<4_000 {
            let long = round % 100 == 0
            let p = Self.text(&rng, words: long ? 300 : rng.index(below: 30))
            let g = rng.chance(0.3) ? p : Self.text(&rng, words: long ? 300 : rng.index(below: 30))
            #expect(ASCIITokens.f1(p, g) != nil, "the fast path took it")
            let fast = TokenF1.score(p, reference: g), general = TokenF1.general(p, reference: g)
            #expect(fast == general, "\(p.debugDescription) vs \(g.debugDescription): \(fast) ≠ \(general)")
            checked += 1
        }
        #expect(checked == 4_000)
    }

    @Test func theTokensAreTheNormalisedWords() throws {
        let words = try #require(ASCIITokens.words("The cat's (a) MAT, an e-mail!\r\nthe.end"))
        #expect(words == TokenF1.tokens("The cat's (a) MAT, an e-mail!\r\nthe.end").map(String.init))
        #expect(words == ["cats", "mat", "email", "theend"])
    }

    @Test func nonASCIITakesTheGeneralPath() {
        #expect(ASCIITokens.words("café") == nil && ASCIITokens.f1("café", "cafe") == nil)
        #expect(TokenF1.score("Café au lait", reference: "CAFÉ au lait") == 1)
        #expect(TokenF1.score("the café", reference: "a cafe\u{301}") == 1, "NFC: é and e + combining acute are one word")
    }

    /// Ten thousand tokens a side: the table path, and still the general path's answer.
    @Test func longAnswersUseTheTable() {
        #expect(ASCIITokens.f1("w1 w2 w2", "w2 w2 w2 w3") == TokenF1.general("w1 w2 w2", reference: "w2 w2 w2 w3"))
        let p = (0..<10_000).map { "w\($0 % 700)" }.joined(separator: " ")
        let g = (0..<10_000).map { "w\($0 % 900)" }.joined(separator: " ")
        #expect(TokenF1.score(p, reference: g) == TokenF1.general(p, reference: g))
    }
}
