import Testing

@testable import RampartCore
@testable import RampartTUI

/// Golden screens: text and style dumps at 80×24, 120×40 and too small, for `default` and `mono`.
/// Re-record with `RECORD_SNAPSHOTS=1 swift test --filter GoldenScreenTests`.
struct GoldenScreenTests {
    static let sizes: [(Int, Int)] = [(80, 24), (120, 40), (60, 20)]

    func themes() throws -> [Theme] {
        [try ThemeLoader.load(file: Paths.themes + "/default.theme"), try ThemeLoader.load(file: Paths.themes + "/mono.theme")]
    }

    @Test func midCanary() async throws {
        let events = try await DemoRun.events()
        let state = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        for theme in try themes() {
            for (w, h) in Self.sizes {
                let screen = DashboardView.render(state, width: w, height: h, theme: theme)
                assertSnapshot(screen.textDump(), named: "mid-canary-\(theme.name)-\(w)x\(h).txt")
                assertSnapshot(screen.styleDump(), named: "mid-canary-\(theme.name)-\(w)x\(h).style.txt")
            }
        }
    }

    @Test func rolledBackWithTheLogScrolled() async throws {
        var state = DemoRun.state(try await DemoRun.events("degraded.yaml"), upTo: .infinity)
        _ = DashboardReducer.reduce(&state, .key(.tab))
        _ = DashboardReducer.reduce(&state, .key(.char("k")))
        let screen = DashboardView.render(state, width: 120, height: 40, theme: try themes()[0])
        assertSnapshot(screen.textDump(), named: "rolled-back-120x40.txt")
        assertSnapshot(screen.styleDump(), named: "rolled-back-120x40.style.txt")
    }

    @Test func confirmationDialog() async throws {
        let events = try await DemoRun.events()
        var state = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        _ = DashboardReducer.reduce(&state, .key(.char("r")))
        for ch in "tickets spiking" { _ = DashboardReducer.reduce(&state, .key(.char(ch))) }
        for theme in try themes() {
            let screen = DashboardView.render(state, width: 80, height: 24, theme: theme)
            assertSnapshot(screen.textDump(), named: "confirm-rollback-\(theme.name)-80x24.txt")
            assertSnapshot(screen.styleDump(), named: "confirm-rollback-\(theme.name)-80x24.style.txt")
        }
    }

    @Test func asciiGlyphsWhenTheLocaleIsNotUTF8() async throws {
        let events = try await DemoRun.events()
        let state = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        let screen = DashboardView.render(state, width: 80, height: 24, theme: try themes()[1], glyphs: .ascii)
        assertSnapshot(screen.textDump(), named: "mid-canary-ascii-80x24.txt")
        #expect(screen.textDump().unicodeScalars.allSatisfy { $0.isASCII })
    }

    @Test func everySizeFromTheMinimumUpFitsWithoutOverflow() async throws {
        let events = try await DemoRun.events()
        let state = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        for w in stride(from: 80, through: 220, by: 7) {
            for h in stride(from: 24, through: 70, by: 5) {
                let screen = DashboardView.render(state, width: w, height: h, theme: .builtinDefault)
                // The frame's right border is intact on every row of the panels.
                let rows = (0..<h).map { screen.line($0) }
                for row in rows where row.hasPrefix("│") { #expect(row.hasSuffix("│"), "\(w)x\(h): \(row)") }
                #expect(rows[h - 1].contains("q quit"), "\(w)x\(h)")
            }
        }
    }
}

/// Dialogs and help at the smallest and a large terminal: every word shows whole. A dialog wraps
/// its text at word boundaries (its box grows); a help line that cannot fit ends at a word with
/// an ellipsis, and a greyed key's reason shows whole or as "(not now)".
struct OverlayWordTests {
    /// The text inside the overlay whose top border holds `title`, rows joined by spaces.
    func inside(_ screen: Screen, height: Int, title: String) -> [String] {
        let rows = (0..<height).map { screen.line($0) }
        guard let top = rows.firstIndex(where: { $0.contains("─ \(title) ") }), let left = rows[top].range(of: "┌─ \(title)") else { return [] }
        let x = rows[top].distance(from: rows[top].startIndex, to: left.lowerBound)
        var out: [String] = []
        for row in rows[(top + 1)...] {
            let cells = Array(row)
            guard x < cells.count, cells[x] == "│" else { break }
            guard let end = cells[(x + 1)...].firstIndex(of: "│") else { break }
            out.append(String(cells[(x + 1)..<end]).trimmingCharacters(in: .whitespaces))
        }
        return out
    }

    @Test(arguments: [(80, 24), (220, 70)])
    func noWordIsCutInDialogsOrHelp(width: Int, height: Int) async throws {
        var s = DemoRun.state(try await DemoRun.events(), upTo: 45)
        s.run.candidate = "acme-chat-with-a-very-long-release-name@2025-09-14-rc7"
        for (action, title) in [(DashboardState.Confirmation.Action.promoteFully, "Promote fully?"), (.rollback, "Roll back?")] {
            s.overlay = .confirm(.init(action: action, moved: "while this was open, the weight moved from 25% to 50%"))
            let text = inside(DashboardView.render(s, width: width, height: height, theme: .builtinDefault), height: height, title: title)
                .joined(separator: " ").split(separator: " ").joined(separator: " ")
            let expected =
                action == .promoteFully
                ? "All traffic goes to the candidate, \(s.candidate), skipping the remaining steps."
                : "All traffic goes back to the baseline, \(s.baseline)."
            #expect(text.contains(expected), "\(width)x\(height) \(title): \(text)")
            #expect(text.contains("the weight moved from 25% to 50%"), "\(text)")
        }
        s.overlay = .help
        let help = inside(DashboardView.render(s, width: width, height: height, theme: .builtinDefault), height: height, title: "Keys")
        for b in Keymap.bindings {
            guard let row = help.first(where: { $0.hasPrefix(b.keys.map(\.label).joined(separator: " ") + " ") }) else {
                Issue.record("\(width)x\(height): help has no line for \(b.keys.map(\.label))")
                continue
            }
            let shown = row.dropFirst(10).trimmingCharacters(in: .whitespaces)
            let whole = shown.hasPrefix(b.help)
            let cut =
                shown.hasSuffix("…") && b.help.hasPrefix(shown.dropLast())
                && b.help[b.help.index(b.help.startIndex, offsetBy: shown.count - 1)] == " "
            #expect(whole || cut, "\(width)x\(height): '\(shown)' for '\(b.help)'")
            if whole, let why = b.unavailable(s) {
                let rest = shown.dropFirst(b.help.count).trimmingCharacters(in: .whitespaces)
                #expect(rest.isEmpty || rest == "(not now: \(why))" || rest == "(not now)", "\(width)x\(height): '\(rest)'")
            }
        }
    }
}

/// The main screens at the smallest and a large terminal: text that does not fit ends with an
/// ellipsis or at a space, never runs into a border or off the screen mid-word.
struct MainScreenWordTests {
    /// Columns where a word ran into a border (│) or off the right edge without an ellipsis.
    static func cutWords(_ screen: Screen) -> [String] {
        var out: [String] = []
        for y in 0..<screen.height {
            let cells = (0..<screen.width).map { screen[$0, y].text }
            for x in 1..<cells.count {
                let atBorder = cells[x] == "│" && x > 1
                let atEdge = x == cells.count - 1 && cells[x] != "│" && cells[x] != " " && cells[x] != "…"
                if atBorder || atEdge {
                    let before = atEdge ? cells[x] : cells[x - 1]
                    let beforeThat = atEdge ? cells[x - 1] : cells[x - 2]
                    if before.first?.isLetter == true && beforeThat.first?.isLetter == true {
                        out.append("row \(y) col \(x): …\(cells[max(0, x - 24)...x].joined())")
                    }
                }
            }
        }
        return out
    }

    @Test func theCheckFindsAWordCutAtABorderAndAtTheEdge() {
        var screen = Screen(width: 12, height: 3)
        screen.put("│ok words  │", x: 0, y: 0, style: .plain)
        screen.put("│longerword│", x: 0, y: 1, style: .plain)
        screen.put("header texts", x: 0, y: 2, style: .plain)
        #expect(Self.cutWords(screen).count == 2)
        screen.put("│longerwo… │", x: 0, y: 1, style: .plain)
        screen.put("header tex… ", x: 0, y: 2, style: .plain)
        #expect(Self.cutWords(screen).isEmpty)
    }

    @Test(arguments: [(80, 24), (220, 70)])
    func noWordRunsIntoABorderOrOffTheScreen(width: Int, height: Int) async throws {
        let events = try await DemoRun.events()
        let moments: [(String, Double)] = [
            ("gates", 1), ("step 1", DemoRun.stepStart(events, 0) + 10), ("step 2", DemoRun.stepStart(events, 1) + 15), ("end", .infinity),
        ]
        for (name, t) in moments {
            var s = DemoRun.state(events, upTo: t)
            for focus in DashboardState.Focus.allCases {
                s.focus = focus
                let screen = DashboardView.render(s, width: width, height: height, theme: .builtinDefault)
                let cut = Self.cutWords(screen)
                #expect(cut.isEmpty, "\(width)x\(height) \(name), focus \(focus):\n\(cut.joined(separator: "\n"))")
            }
        }
    }
}
