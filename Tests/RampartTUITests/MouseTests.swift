import Testing

@testable import RampartCore
@testable import RampartTUI

/// Clicks act on what the frame shows under the pointer, through the same paths as keys: the
/// footer's labels are keys, metric rows select, dialog buttons choose, and nothing a dialog
/// covers can be clicked through it.
struct MouseTests {
    /// Where `text` starts on the screen, found by reading it as an operator would.
    static func locate(_ text: String, in screen: Screen) -> (x: Int, y: Int)? {
        for y in 0..<screen.height {
            let cells = (0..<screen.width).map { screen[$0, y].text.isEmpty ? "\u{0}" : screen[$0, y].text }
            let row = cells.joined()
            // One character per cell (a wide character's second cell stands in as NUL), so
            // the character offset is the column.
            if let r = row.range(of: text) { return (row.distance(from: row.startIndex, to: r.lowerBound), y) }
        }
        return nil
    }

    static func render(_ s: DashboardState) -> Screen {
        DashboardView.render(s, width: 120, height: 40, theme: Theme.builtinDefault)
    }

    /// A click at the place `text` is drawn, as the terminal would report it.
    static func click(_ text: String, _ s: inout DashboardState, sourceLocation: SourceLocation = #_sourceLocation) -> [DashboardEffect] {
        let screen = render(s)
        guard let at = locate(text, in: screen) else {
            Issue.record("'\(text)' is not on the screen", sourceLocation: sourceLocation)
            return []
        }
        guard let target = screen.hotspot(x: at.x + 1, y: at.y)?.target else { return [] }
        return DashboardReducer.reduce(&s, .click(target))
    }

    @Test func theFootersRollbackLabelOpensTheDialogAndItsButtonsChoose() async throws {
        let events = try await DemoRun.events()
        var s = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        #expect(Self.click("r rollback", &s).isEmpty)
        guard case .confirm(let c) = s.overlay else {
            Issue.record("no dialog after clicking 'r rollback'")
            return
        }
        #expect(c.action == .rollback)
        // Cancel closes it and sends nothing.
        #expect(Self.click("[ Cancel ]", &s).isEmpty)
        #expect(s.overlay == nil)
        _ = Self.click("r rollback", &s)
        for ch in "spike" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        let effects = Self.click("[ Roll back ]", &s)
        #expect(effects == [.send(OperatorCommand(.rollback, operator: "ada", reason: "spike"))])
    }

    @Test func aDialogCoversThePanelsFromClicks() async throws {
        let events = try await DemoRun.events()
        var s = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        let before = Self.render(s)
        _ = DashboardReducer.reduce(&s, .key(.char("r")))
        let covered = Self.render(s)
        // Every spot of the panels and the footer that took clicks before takes none now,
        // except the dialog's own buttons.
        let stray = before.hotspots.filter { h in
            guard let now = covered.hotspot(x: h.x, y: h.y) else { return false }
            if case .dialog = now.target { return false }
            return true
        }
        #expect(stray.isEmpty, "clickable through the dialog: \(stray)")
        #expect(covered.hotspots.allSatisfy { if case .dialog = $0.target { true } else { false } })
    }

    @Test func aClickOnAMetricRowSelectsItAndTheWheelMovesTheSelection() async throws {
        let events = try await DemoRun.events()
        var s = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        s.focus = .log
        let rows = DashboardReducer.metricRows(s)
        #expect(rows.count >= 3)
        _ = Self.click(Painter.label(rows[2]), &s)
        #expect(s.focus == .metrics)
        #expect(s.selectedMetric == 2)
        let screen = Self.render(s)
        let row = Self.locate(Painter.label(rows[2]), in: screen)!
        _ = DashboardReducer.reduce(&s, .wheel(screen.hotspot(x: row.x, y: row.y)?.target, up: true))
        #expect(s.selectedMetric == 1)
    }

    @Test func theWheelOverTheLogScrollsItWhateverHasFocus() async throws {
        let events = try await DemoRun.events()
        var s = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        #expect(s.focus == .metrics)
        let screen = Self.render(s)
        let log = Self.locate("Events", in: screen)!
        let target = screen.hotspot(x: log.x, y: log.y + 2)?.target
        #expect(target == .log)
        _ = DashboardReducer.reduce(&s, .wheel(target, up: true))
        #expect(s.logScroll == DashboardReducer.wheelLines)
        _ = DashboardReducer.reduce(&s, .wheel(target, up: false))
        _ = DashboardReducer.reduce(&s, .wheel(target, up: false))
        #expect(s.logScroll == 0)
        #expect(s.selectedMetric == 0, "the wheel over the log leaves the metric selection alone")
    }

    @Test func helpClosesOnAClickAnywhere() {
        var s = DashboardState(operatorName: "ada", now: 0)
        _ = DashboardReducer.reduce(&s, .key(.char("?")))
        #expect(s.overlay == .help)
        let screen = Self.render(s)
        if let target = screen.hotspot(x: 3, y: 3)?.target { _ = DashboardReducer.reduce(&s, .click(target)) }
        #expect(s.overlay == nil)
    }
}
