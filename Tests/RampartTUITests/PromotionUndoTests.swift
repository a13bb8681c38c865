import Foundation
import Testing

@testable import RampartCore
@testable import RampartTUI

/// Once the run promoted, `r` (and `:rollback`, and a rollback dialog the promotion overtook)
/// rolls the promotion back where the run's router can: asked through the same dialog, done by
/// the dashboard's owner, answered on the screen. Where it cannot, the dialog says why.
struct PromotionUndoTests {
    static let promoted = RunEvent(t: 60, .finished(RunFinished(outcome: .promoted, reason: "all 3 canary steps held")))

    /// The last step's promotion: the weight reaches 100 %, then the run ends.
    func promote(_ s: inout DashboardState) {
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: 60, .weight(WeightChange(from: s.weight, to: 100, reason: "promoted")))))
        _ = DashboardReducer.reduce(&s, .engine(Self.promoted))
    }

    func liveState(_ undo: PromotionUndo = .available(router: "file router (flags.json)")) async throws -> DashboardState {
        var s = DemoRun.state(try await DemoRun.events(), upTo: 45)
        s.promotionUndo = undo
        return s
    }

    /// The open dialog's words, its wrapped lines joined with spaces (the panels around it left out).
    func dialogText(_ s: DashboardState) throws -> String {
        let screen = DashboardView.render(s, width: 100, height: 40, theme: .builtinDefault)
        let rows = (0..<40).map { Array(screen.line($0)) }
        let top = try #require(rows.firstIndex { String($0).contains("┌─ Roll back") || String($0).contains("┌─ The run ended") })
        let left = try #require(rows[top].firstIndex(of: "┌"))
        let right = try #require(rows[top][(left + 1)...].firstIndex(of: "┐"))
        let bottom = try #require(rows[top...].firstIndex { $0.count > left && $0[left] == "└" })
        return rows[top...bottom].map { String($0[left..<(right + 1)]).replacingOccurrences(of: "│", with: " ") }.joined(separator: " ")
            .split(separator: " ").joined(separator: " ")
    }

    @Test func aRollbackDialogOvertakenByThePromotionBecomesARollbackOfThePromotion() async throws {
        var s = try await liveState()
        _ = DashboardReducer.reduce(&s, .key(.char("r")))
        for ch in "p95 up" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        _ = DashboardReducer.reduce(&s, .key(.tab))
        promote(&s)
        guard case .confirm(let c) = s.overlay else { Issue.record("the dialog closed when the run promoted"); return }
        #expect(c.action == .rollbackPromotion && c.ended == nil && c.reason == "p95 up")
        #expect(!c.confirmFocused, "the promotion changed what Enter does: focus back on Cancel")
        #expect(c.moved == "the run ended PROMOTED while this was open: the candidate takes all traffic now")
        let shown = try dialogText(s)
        #expect(shown.contains("Roll back the promotion?"))
        #expect(shown.contains("The file router (flags.json) sends it all back to the baseline, acme-chat@2025-06-01,"), "\(shown)")
        // Enter on Cancel does nothing; on the button it asks the owner, with the reason typed.
        #expect(DashboardReducer.reduce(&s, .key(.enter)) == [])
        _ = DashboardReducer.reduce(&s, .key(.char("r")))
        for ch in "p95 up" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        _ = DashboardReducer.reduce(&s, .key(.tab))
        #expect(DashboardReducer.reduce(&s, .key(.enter)) == [.rollBackPromotion(reason: "p95 up")])
        #expect(s.promotionUndo == .pending)
        #expect(VerdictLine.make(s).1 == "ROLLING BACK THE PROMOTION · waiting for the router")
        #expect(Keymap.binding(for: .char("r"))?.unavailable(s) == "the promotion's rollback is under way")
    }

    @Test func doneItShowsTheBaselineServingAndCannotBeAskedTwice() async throws {
        var s = try await liveState()
        promote(&s)
        #expect(s.weight == 100)
        #expect(Keymap.binding(for: .char("r"))?.unavailable(s) == nil, "r is offered once the run promoted")
        _ = DashboardReducer.reduce(&s, .key(.char("r")))
        guard case .confirm(let c) = s.overlay else { Issue.record("r opens no dialog"); return }
        #expect(c.action == .rollbackPromotion)
        _ = DashboardReducer.reduce(&s, .key(.tab))
        #expect(DashboardReducer.reduce(&s, .key(.enter)) == [.rollBackPromotion(reason: nil)])
        _ = DashboardReducer.reduce(&s, .promotionUndone(ok: true, text: "promotion rolled back by ada"))
        #expect(s.weight == 0, "the baseline serves everything again")
        #expect(s.log.last?.text == "rollback promotion rolled back by ada")
        #expect(VerdictLine.make(s) == (.rollback, "ROLLED BACK AFTER PROMOTION · promotion rolled back by ada"))
        #expect(TerminalTitle.text(s).hasSuffix("PROMOTED, then ROLLED BACK"))
        #expect(Keymap.binding(for: .char("r"))?.unavailable(s) == "the promotion was already rolled back")
        #expect(DashboardReducer.reduce(&s, .key(.char("r"))) == [] && s.overlay == nil)
    }

    @Test func aFailureIsLoudAndMayBeTriedAgain() async throws {
        var s = try await liveState()
        promote(&s)
        _ = DashboardReducer.reduce(&s, .promotionUndone(ok: false, text: "the file router could not be set to 0%"))
        #expect(s.weight == 100, "nothing changed as far as the dashboard knows")
        #expect(s.flash?.text == "PROMOTION NOT ROLLED BACK: the file router could not be set to 0%")
        #expect(VerdictLine.make(s).0 == .rollback)
        #expect(Keymap.binding(for: .char("r"))?.unavailable(s) == nil)
    }

    @Test func colonRollbackAfterThePromotionActsWithoutADialog() async throws {
        var s = try await liveState()
        promote(&s)
        _ = DashboardReducer.reduce(&s, .key(.char(":")))
        for ch in "rollback users complain" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        #expect(DashboardReducer.reduce(&s, .key(.enter)) == [.rollBackPromotion(reason: "users complain")])
    }

    /// The builtin proxy's traffic ends with the process: nothing to offer, and the dialog says why.
    @Test func whereTheRouterCannotTheDialogSaysWhy() async throws {
        var s = try await liveState(.unavailable("the builtin proxy's traffic ends with this process; point the app at the baseline"))
        _ = DashboardReducer.reduce(&s, .key(.char("r")))
        promote(&s)
        guard case .confirm(let c) = s.overlay else { Issue.record("the dialog closed"); return }
        #expect(c.action == .rollback && c.ended?.outcome == .promoted)
        let shown = try dialogText(s)
        #expect(shown.contains("This dashboard cannot take the promotion back: the builtin proxy's traffic ends with this process"), "\(shown)")
        _ = DashboardReducer.reduce(&s, .key(.escape))
        #expect(Keymap.binding(for: .char("r"))?.unavailable(s)?.hasPrefix("the run has ended; the builtin proxy") == true)
    }

    /// A recording steers nothing, promoted or not.
    @Test func aReplayOffersNoRollback() async throws {
        var s = try await liveState()
        s.replay = .init(speed: "1×", paused: false, position: 60, duration: 60, decisions: [])
        promote(&s)
        #expect(DashboardReducer.reduce(&s, .key(.char("r"))) == [])
        #expect(s.overlay == nil && s.flash?.text.contains("disabled in a replay") == true)
    }
}
