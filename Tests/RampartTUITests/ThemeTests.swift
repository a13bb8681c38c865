import Foundation
import Testing

@testable import RampartCore
@testable import RampartTUI

struct ThemeTests {
    static let shipped = ["default", "light", "high-contrast", "colorblind", "mono"]

    @Test(arguments: shipped)
    func shippedThemesParseAndSetEveryKey(_ name: String) throws {
        let path = try #require(ThemeLoader.resolve(name, directories: [Paths.themes]))
        let theme = try ThemeLoader.load(file: path)
        #expect(theme.name == name)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for key in ThemeKey.allCases { #expect(text.contains("theme[\(key.rawValue)]="), "\(name) lacks \(key.rawValue)") }
        #expect(theme.monochrome == (name == "mono"))
    }

    @Test func theDefaultFileMatchesTheBuiltIn() throws {
        let file = try ThemeLoader.load(file: Paths.themes + "/default.theme")
        for key in ThemeKey.allCases { #expect(file[key] == Theme.builtinDefault[key], "\(key)") }
    }

    @Test func theColorblindThemeNeverPairsRedWithGreen() throws {
        let t = try ThemeLoader.load(file: Paths.themes + "/colorblind.theme")
        func isGreenish(_ c: TermColor) -> Bool { if case .rgb(let r, let g, let b) = c { return g > r + 40 && g > b + 40 } else { return false } }
        for key in [ThemeKey.passFg, .okFg, .promoteBg] { #expect(!isGreenish(t[key]), "\(key)") }
    }

    @Test func colourForms() {
        #expect(ThemeLoader.parseColor("#ff8800") == .some(.rgb(255, 136, 0)))
        #expect(ThemeLoader.parseColor("#80") == .some(.rgb(128, 128, 128)))
        #expect(ThemeLoader.parseColor("10 20 30") == .some(.rgb(10, 20, 30)))
        #expect(ThemeLoader.parseColor("") == .some(nil))
        #expect(ThemeLoader.parseColor("#ggg") == nil)
        #expect(ThemeLoader.parseColor("300 0 0") == nil)
        #expect(ThemeLoader.parseColor("#12345") == nil)
    }

    @Test func aBadThemeFileNamesEveryBadLine() {
        let text = """
            # comment
            theme[main_fg]="#ffffff"
            theme[pass_fgg]="#00ff00"
            theme[fail_fg]="red"
            theme[title]="#ee" theme[hi_fg]="#00"
            nonsense
            """
        #expect { try ThemeLoader.parse(text, name: "bad", file: "bad.theme") } throws: { error in
            let d = (error as? InvalidInput)?.diagnostics ?? []
            return d.map(\.line) == [3, 4, 5, 6]
                && d[0].message == "unknown key 'pass_fgg' (did you mean 'pass_fg'?)"
                && d[1].message.hasPrefix("'red' is not a colour")
                && d[2].message.hasPrefix("one assignment per line")
                && d[3].message.hasPrefix("expected theme[key]=")
        }
    }

    @Test func aThemeSavedWithCRLFReadsAsWithLF() throws {
        let text = "# comment\r\ntheme[pass_fg]=\"#0000ff\"\r\ntheme[fail_fg]=\"#ff0000\"\r\n"
        let t = try ThemeLoader.parse(text, name: "crlf", file: "crlf.theme")
        #expect(t[.passFg] == .rgb(0, 0, 255))
        #expect(t[.failFg] == .rgb(255, 0, 0))
        #expect { try ThemeLoader.parse("theme[main_fg]=\"#ffffff\"\r\nnonsense\r\n", name: "bad", file: "bad.theme") } throws: { error in
            (error as? InvalidInput)?.diagnostics.map(\.line) == [2]
        }
    }

    @Test func missingKeysFallBackToTheDefault() throws {
        let t = try ThemeLoader.parse(##"theme[pass_fg]="#0000ff""##, name: "partial", file: "p.theme")
        #expect(t[.passFg] == .rgb(0, 0, 255))
        #expect(t[.failFg] == Theme.builtinDefault[.failFg])
        #expect(!t.monochrome)
    }

    @Test func everyThemeKeyReachesTheScreen() async throws {
        // Give each key its own colour; every one must then appear somewhere in some frame.
        var colors: [ThemeKey: TermColor] = [:]
        for (i, key) in ThemeKey.allCases.enumerated() { colors[key] = .rgb(UInt8(i * 7 + 1), 100, 200) }
        let theme = Theme(name: "probe", colors: colors)
        var used = Set<TermColor>()
        let events = try await DemoRun.events()
        let rolledBack = try await DemoRun.events("degraded.yaml")
        var frames: [DashboardState] = [
            DemoRun.state(events, upTo: 0), DemoRun.state(events, upTo: 45), DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15),
            DemoRun.state(rolledBack, upTo: .infinity),
        ]
        // Paused at 35 s and resumed at 120 s (a paused canary waits for its operator forever).
        let pausedRun = try await DemoRun.events(schedule: [
            ScheduledCommand(at: 35, command: OperatorCommand(.pause, operator: "a")),
            ScheduledCommand(at: 120, command: OperatorCommand(.resume, operator: "a")),
        ])
        var paused = DemoRun.state(pausedRun, upTo: 80)
        _ = DashboardReducer.reduce(&paused, .tick(paused.now + 60))
        frames.append(paused)
        var confirm = DemoRun.state(events, upTo: 45)
        _ = DashboardReducer.reduce(&confirm, .key(.char("r")))
        frames.append(confirm)
        var watching = DemoRun.state(rolledBack, upTo: 20)
        _ = DashboardReducer.reduce(&watching, .key(.char("z")))
        frames.append(watching)
        for s in frames {
            let screen = DashboardView.render(s, width: 140, height: 45, theme: theme)
            for cell in screen.cells { used.insert(cell.style.fg); used.insert(cell.style.bg) }
        }
        let unused = ThemeKey.allCases.filter { !used.contains(colors[$0]!) && $0 != .mainBg }
        #expect(unused.isEmpty, "theme keys with no effect on screen: \(unused.map(\.rawValue))")
    }

    @Test func noColorStripsEverything() {
        let t = Theme.builtinDefault.withoutColor
        for key in ThemeKey.allCases { #expect(t[key] == .terminalDefault) }
    }

    /// btop's truecolor_to_256, computed by hand for a grey, a primary and a mixed colour.
    @Test func colourDepthMapping() {
        #expect(ColorDepth.index256(128, 128, 128) == 232 + 12)
        #expect(ColorDepth.index256(255, 0, 0) == 16 + 36 * 5)
        #expect(ColorDepth.index256(95, 175, 255) == 16 + 36 * 2 + 6 * 3 + 5)
        #expect(ColorDepth.index8(224, 82, 82) == 1)
        #expect(ColorDepth.index8(79, 191, 111) == 2)
        #expect(ColorDepth.index8(108, 108, 108) == 7)
        #expect(ColorDepth.index8(48, 58, 74) == 0)
        #expect(ColorDepth.direct.curses(.rgb(255, 136, 0)) == 0xFF8800)
        #expect(ColorDepth.direct.curses(.rgb(0, 0, 3)) == 8)
        #expect(ColorDepth.none.curses(.rgb(1, 2, 3)) == -1)
        #expect(ColorDepth.indexed256.curses(.terminalDefault) == -1)
    }
}
