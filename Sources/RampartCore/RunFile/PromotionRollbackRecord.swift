/// A promotion undone after its run ended: an operator asked, and the run's router sent all
/// traffic back to the baseline. It follows the outcome line instead of replacing it, because
/// both are true: the run promoted, then someone took it back. Readers that only look at the
/// outcome still see what the run decided; readers that want where traffic is look here too.
public struct PromotionRollbackRecord: Sendable, Equatable, Codable {
    /// Seconds since the run started, like an event's `t`: the wall time since `started_at`.
    public var t: Double
    public var `operator`: String
    public var reason: String?
    /// ISO 8601, UTC.
    public var at: String
    /// The router that moved traffic, and what it touched (a file, a Lambda alias).
    public var router: String
    public var detail: String
    /// The candidate's share the router reported before the rollback; nil when it cannot read
    /// its state back (a command).
    public var from: Double?

    public init(t: Double, operator: String, reason: String?, at: String, router: String, detail: String, from: Double?) {
        self.t = t
        self.operator = `operator`
        self.reason = reason
        self.at = at
        self.router = router
        self.detail = detail
        self.from = from
    }

    /// One line for summaries and the audit record.
    public var summary: String {
        let why = reason.map { " because \"\($0)\"" } ?? ""
        return "promotion rolled back by \(`operator`) at \(at)\(why): the \(router) router (\(detail)) sends all traffic to the baseline"
    }
}
