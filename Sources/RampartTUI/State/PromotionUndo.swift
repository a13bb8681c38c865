/// Whether the dashboard can take back the run's promotion after the run ended, and how that
/// went. Only the run's own dashboard, with a router outside the process, can: a replay steers
/// nothing, and the builtin proxy's traffic ends with the process anyway.
public enum PromotionUndo: Equatable, Sendable {
    /// Why not, in words for the help overlay and the dialog.
    case unavailable(String)
    /// Possible: the router that would move traffic, as the operator knows it.
    case available(router: String)
    /// Asked; the router is being set.
    case pending
    /// Done: the record's summary.
    case done(String)
    /// Tried and failed (refused, or the router failed): the message. It may be tried again.
    case failed(String)

    /// Why `r` cannot roll the promotion back now; nil when it can.
    var unavailableReason: String? {
        switch self {
        case .unavailable(let why): why
        case .available, .failed: nil
        case .pending: "the promotion's rollback is under way"
        case .done: "the promotion was already rolled back"
        }
    }

    public var isPending: Bool { self == .pending }

    public var isDone: Bool {
        if case .done = self { return true }
        return false
    }
}

/// What the dashboard's owner gives it to take back a promotion: whether it can, and the work
/// (rebuild the router, set it, record, notify) that runs off the UI thread.
public struct PromotionRollbackOffer: Sendable {
    public var availability: PromotionUndo
    /// The reason typed (or nil); answers whether it went through, and the line to show.
    public var perform: @Sendable (_ reason: String?) async -> (ok: Bool, text: String)

    public init(availability: PromotionUndo, perform: @escaping @Sendable (_ reason: String?) async -> (ok: Bool, text: String)) {
        self.availability = availability
        self.perform = perform
    }
}
