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
