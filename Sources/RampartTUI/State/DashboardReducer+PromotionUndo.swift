import RampartCore

/// Taking back a promotion after the run ended: asked through the same dialog as a rollback,
/// done by the dashboard's owner off the UI thread, answered with a message.
extension DashboardReducer {
    static func rollBackPromotion(reason: String?, _ s: inout DashboardState) -> [DashboardEffect] {
        if let why = s.promotionUndo.unavailableReason {
            flash("not sent: \(why)", &s)
            return []
        }
        s.promotionUndo = .pending
        return [.rollBackPromotion(reason: reason)]
    }

    static func promotionUndone(ok: Bool, text: String, _ s: inout DashboardState) {
        s.promotionUndo = ok ? .done(text) : .failed(text)
        let line = ok ? text : "promotion NOT rolled back: \(text)"
        s.log.append(.init(text: "rollback " + line, tone: ok ? .operatorAction : .bad))
        if s.logScroll > 0 { s.logScroll += 1 }
        if !ok { s.flash = .init(text: "PROMOTION NOT ROLLED BACK: \(text)", until: s.now + 10) }
    }
}
