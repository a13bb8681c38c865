import Testing

@testable import RampartTUI

struct ScreenTests {
    @Test func wideCharactersTakeTwoCellsAndAreNeverSplit() {
        var s = Screen(width: 5, height: 1)
        let end = s.put("a界b界", x: 0, y: 0, style: .plain)
        #expect(end == 4)
        #expect(s.line(0) == "a界b ")
        #expect(s[2, 0].text == "")
        #expect(CharWidth.truncate("界界界", to: 4) == "界…")
        #expect(CharWidth.truncate("abcdef", to: 4) == "abc…")
        #expect(CharWidth.of("e\u{301}") == 1)
    }

    @Test func clippingRespectsLimitsAndEdges() {
        var s = Screen(width: 5, height: 2)
        s.put("hello world", x: 2, y: 1, style: .plain, limit: 2)
        #expect(s.line(1) == "  he ")
        s.put("xyz", x: -1, y: 0, style: .plain)
        #expect(s.line(0) == "yz   ")
        s.put("never", x: 0, y: 5, style: .plain)
    }

    @Test func diffWritesOnlyChangedRuns() {
        let bold = CellStyle.plain.with(bold: true)
        var a = Screen(width: 10, height: 2)
        a.put("abcdefghij", x: 0, y: 0, style: .plain)
        var b = a
        b.put("XY", x: 3, y: 0, style: .plain)
        b.put("Z", x: 8, y: 0, style: bold)
        let runs = ScreenDiff.runs(from: a, to: b)
        #expect(runs == [.init(x: 3, y: 0, text: "XY", style: .plain), .init(x: 8, y: 0, text: "Z", style: bold)])
        #expect(ScreenDiff.runs(from: b, to: b).isEmpty)
        // The first frame writes every row, one run per style change.
        #expect(ScreenDiff.runs(from: nil, to: b).map(\.text) == ["abcXYfgh", "Z", "j", "          "])
    }

    @Test func aChangedWideCharacterIsRewrittenWhole() {
        var a = Screen(width: 4, height: 1)
        a.put("界x", x: 0, y: 0, style: .plain)
        var b = Screen(width: 4, height: 1)
        b.put("界y", x: 0, y: 0, style: .plain.with(underline: true))
        let runs = ScreenDiff.runs(from: a, to: b)
        #expect(runs.first?.x == 0)
        #expect(runs.first?.text.hasPrefix("界") == true)
    }

    @Test func sparklinesTellNoDataFromZero() {
        let line = Widgets.sparkline([0, nil, 1, 0.5], width: 6, low: 0, high: 1, glyphs: .unicode)
        #expect(line == "  ▁·█▅")
        let ascii = Widgets.sparkline([0, nil, 1], width: 3, low: 0, high: 1, glyphs: .ascii)
        #expect(ascii == "_ @")
    }
}

/// The ASCII shortcuts give what the Unicode rules give.
struct CharWidthShortcutTests {
    @Test func asciiCharactersAndStringsMeasureAsTheGeneralRule() {
        var characters: [Character] = (0..<128).map { Character(Unicode.Scalar(UInt8($0))) } + ["\r\n", "é", "界", "e\u{301}", "😀"]
        characters += ["#", "*", "0"]  // emoji only with a variation selector: one column here
        for c in characters { #expect(CharWidth.of(c) == CharWidth.byProperties(c), "\(c.debugDescription)") }
        for s in ["", "plain text", "tab\there", "p95 1900/1900ms", "界界", "a\u{7F}b", "→ 20%"] {
            #expect(CharWidth.of(s) == s.reduce(0) { $0 + CharWidth.byProperties($1) }, "\(s.debugDescription)")
        }
    }
}

extension CharWidthShortcutTests {
    @Test func theBMPTableIsTheGeneralRule() {
        for v in stride(from: 0, to: 0x10000, by: 1) {
            guard let scalar = Unicode.Scalar(UInt32(v)) else { continue }
            let c = Character(scalar)
            #expect(CharWidth.of(c) == CharWidth.byProperties(c), "U+\(String(v, radix: 16))")
        }
    }
}
