import Testing

@testable import RampartTUI

/// Mouse reports come through ncurses as ESC and plain characters; the decoder must find every
/// one, in SGR and X10 form, across reads, and never let its characters act as keys.
struct MouseDecoderTests {
    static func keys(_ text: String) -> [TerminalInput] {
        text.map { $0 == "\u{1B}" ? .key(.escape) : .key(.char($0)) }
    }

    @Test func sgrPressesBecomeClicksAndReleasesVanish() {
        var d = MouseDecoder()
        #expect(d.decode(Self.keys("\u{1B}[<0;22;40M\u{1B}[<0;22;40m")) == [.click(x: 21, y: 39)])
    }

    @Test func theWheelAndOtherButtons() {
        var d = MouseDecoder()
        #expect(d.decode(Self.keys("\u{1B}[<64;5;6M\u{1B}[<65;5;6M")) == [.wheel(x: 4, y: 5, up: true), .wheel(x: 4, y: 5, up: false)])
        // Right and middle buttons, motion, and a shift-click's modifier bit.
        #expect(d.decode(Self.keys("\u{1B}[<2;5;6M\u{1B}[<1;5;6M\u{1B}[<32;5;6M")) == [])
        #expect(d.decode(Self.keys("\u{1B}[<4;5;6M")) == [.click(x: 4, y: 5)])
    }

    @Test func aReportCutBetweenReadsIsJoined() {
        var d = MouseDecoder()
        #expect(d.decode(Self.keys("q\u{1B}[<0;1")) == [.key(.char("q"))])
        #expect(d.decode(Self.keys("2;3M")) == [.click(x: 11, y: 2)])
    }

    @Test func x10ReportsAreReadToo() {
        var d = MouseDecoder()
        // Press of button 1 at column 22, row 40 (1-based), then the release.
        #expect(d.decode(Self.keys("\u{1B}[M 6H\u{1B}[M#6H")) == [.click(x: 21, y: 39)])
    }

    @Test func escapeAloneAndOrdinaryKeysPassThrough() {
        var d = MouseDecoder()
        #expect(d.decode([.key(.escape)]) == [.key(.escape)])
        #expect(d.decode(Self.keys("\u{1B}x [<")) == Self.keys("\u{1B}x [<"))
        #expect(d.decode([.key(.escape), .key(.up), .resize]) == [.key(.escape), .key(.up), .resize])
        // Not a report after all: every character comes back, none is lost.
        #expect(d.decode(Self.keys("\u{1B}[<1;2x")) == Self.keys("\u{1B}[<1;2x"))
    }
}
