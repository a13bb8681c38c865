import Testing

@testable import RampartTUI

/// Cells hold graphemes as plain data, and text made only of "lone" scalars is drawn scalar by
/// scalar; both must give exactly what the grapheme-by-grapheme rules give.
struct GlyphTests {
    static let long = ["👨‍👩‍👧‍👦", "🧑🏽‍🤝‍🧑🏿", "e\u{301}\u{302}\u{303}\u{304}\u{305}\u{306}\u{307}\u{308}"]

    @Test func glyphsHoldTheirTextAndCompareByText() {
        let texts = ["", " ", "a", "é", "界", "😀", "🇫🇷", "🏳️‍🌈", "e\u{301}", "\r\n", "123456789012345"] + Self.long
        for text in texts {
            let glyph = Glyph(text)
            #expect(glyph.string == text, "\(text.debugDescription)")
            #expect(glyph == Glyph(text))
            #expect(glyph.isEmpty == text.isEmpty)
            var bytes: [UInt8] = []
            glyph.appendUTF8(to: &bytes)
            #expect(bytes == Array(text.utf8))
            for other in texts where other != text { #expect(glyph != Glyph(other), "\(text.debugDescription) vs \(other.debugDescription)") }
        }
        #expect(Self.long.allSatisfy { $0.utf8.count > Glyph.inlineCapacity })
        for v in [0x41, 0xE9, 0x2500, 0x754C] as [UInt32] {
            let scalar = Unicode.Scalar(v)!
            #expect(Glyph(scalar: scalar) == Glyph(String(scalar)))
        }
        var cell = Cell("x", .plain)
        cell.text = Self.long[0]
        #expect(cell.text == Self.long[0])
    }

    @Test func everyLoneScalarIsAGraphemeByItself() {
        let lone = (0..<0x10000).compactMap { Unicode.Scalar(UInt32($0)) }.filter { CharWidth.isLone($0.value) }
        #expect(lone.count > 1_900)
        let partners = stride(from: 0, to: lone.count, by: 37).map { lone[$0] } + ["\r", "\n", "a", "─", "→"]
        for s in lone {
            for t in partners where !(s == "\r" && t == "\n") {
                var text = String.UnicodeScalarView()
                text.append(s)
                text.append(t)
                if String(text).count != 2 { Issue.record("U+\(String(s.value, radix: 16)) U+\(String(t.value, radix: 16))") }
                text = String.UnicodeScalarView()
                text.append(t)
                text.append(s)
                if !(t == "\r" && s == "\n"), String(text).count != 2 {
                    Issue.record("U+\(String(t.value, radix: 16)) U+\(String(s.value, radix: 16))")
                }
            }
            #expect(CharWidth.of(lone: s) == CharWidth.byProperties(Character(s)))
        }
    }

    /// `truncate`'s shortcut: a string of no more bytes than columns always fits.
    @Test func noCharacterIsWiderThanItsUTF8() {
        for v in 0..<0x10000 {
            guard let scalar = Unicode.Scalar(UInt32(v)) else { continue }
            #expect(CharWidth.byProperties(Character(scalar)) <= String(scalar).utf8.count, "U+\(String(v, radix: 16))")
        }
        #expect(CharWidth.of(Character("😀")) <= "😀".utf8.count)
    }

    static let alphabet: [String] = [
        "a", "Z", " ", "-", "é", "ß", "—", "→", "≥", "─", "│", "█", "░", "▸", "✓", "✗", "⚠", "●", "界", "😀", "\u{301}", "\u{FE0F}",
        "\r", "\n", "\t", "🇫", "🇷", "\u{200D}", "한",
    ]

    static func randomText(_ rng: inout some RandomNumberGenerator, loneOnly: Bool) -> String {
        let letters = loneOnly ? alphabet.filter { $0.unicodeScalars.allSatisfy { CharWidth.isLone($0.value) } } : alphabet
        return (0..<Int.random(in: 0..<14, using: &rng)).map { _ in letters.randomElement(using: &rng)! }.joined()
    }

    @Test func theScalarPathDrawsWhatTheGraphemePathDraws() {
        var rng = SplitMix(seed: 7)
        for i in 0..<4_000 {
            let text = Self.randomText(&rng, loneOnly: i % 2 == 0)
            let x = Int.random(in: -3..<8, using: &rng)
            let limit = Int.random(in: 0..<12, using: &rng)
            var fast = Screen(width: 10, height: 1)
            var general = fast
            let a = fast.put(text, x: x, y: 0, style: .plain, limit: limit)
            let b = general.putCharacters(text, x: x, y: 0, end: min(10, x + limit), style: .plain)
            #expect(a == b, "\(text.debugDescription)")
            #expect(fast.line(0) == general.line(0), "\(text.debugDescription) at \(x) limit \(limit)")
            #expect(fast.cells.map(\.glyph) == general.cells.map(\.glyph))
        }
    }

    static func referenceTruncate(_ s: String, to width: Int, ellipsis: String = "…") -> String {
        if width <= 0 { return "" }
        if s.reduce(0, { $0 + CharWidth.byProperties($1) }) <= width { return s }
        let room = width - ellipsis.reduce(0) { $0 + CharWidth.byProperties($1) }
        var out = ""
        var used = 0
        for c in s {
            let w = CharWidth.byProperties(c)
            if used + w > room { break }
            out.append(c)
            used += w
        }
        return room >= 0 ? out + ellipsis : String(out.prefix(width))
    }

    @Test func truncationAndWidthAgreeWithTheGraphemeRules() {
        var rng = SplitMix(seed: 11)
        for i in 0..<4_000 {
            let text = Self.randomText(&rng, loneOnly: i % 2 == 0)
            let width = Int.random(in: -1..<12, using: &rng)
            #expect(CharWidth.truncate(text, to: width) == Self.referenceTruncate(text, to: width), "\(text.debugDescription) to \(width)")
            #expect(CharWidth.of(text) == text.reduce(0) { $0 + CharWidth.byProperties($1) }, "\(text.debugDescription)")
        }
    }

    @Test func diffsCarryLongGraphemesWhole() {
        var a = Screen(width: 6, height: 1)
        a.put("ab", x: 0, y: 0, style: .plain)
        var b = a
        b.put(Self.long[0] + "c", x: 2, y: 0, style: .plain)
        let runs = ScreenDiff.runs(from: a, to: b)
        #expect(runs == [.init(x: 2, y: 0, text: Self.long[0] + "c", style: .plain)])
        #expect(b.line(0) == "ab" + Self.long[0] + "c ")
    }
}

/// A small seeded generator, so a failure names an input that reproduces.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
