import RampartCore

/// When the terminal bell rings: once for each thing a person must look at, never for news.
///
/// An operator at 2 a.m. leaves the dashboard in a corner; a bell on every step advance teaches
/// them to ignore it. So it rings for a rollback (once, although the judge's decision and the
/// run's end both report it), a pause that waits for a human, a gate that blocks, a router or a
/// metric source that starts failing (once per outage, not per report), and a run that ends
/// without a decision. What this dashboard's own operator did (their pause, rollback or quit)
/// does not ring: they know.
public struct Bell: Equatable, Sendable {
    /// The run's end has rung (or a failure that ends it did), so its finish stays quiet.
    var rangForTheEnd = false
    /// Metric sources whose last report was a failure.
    var sourcesDown: Set<String> = []
    /// The last command of this dashboard's operator the engine accepted: the pause, rollback
    /// or abort that follows it is their own doing.
    var ours: OperatorCommand.Kind?

    /// Whether `event` rings, given the run as it stood before it (`before`).
    mutating func rings(_ event: RunEvent.Body, before: RunState, operatorName: String, quitting: Bool) -> Bool {
        switch event {
        case .operatorAction(let a):
            if a.accepted && !operatorName.isEmpty && a.command.operator == operatorName { ours = a.command.kind }
            return false
        case .analysis(let a) where a.decision == .rollback:
            return ringOnceForTheEnd()
        case .stage(let c) where c.state == .paused:
            defer { if ours == .pause { ours = nil } }
            return !before.paused && ours != .pause
        case .stage(let c) where c.state == .failed:
            // A blocking gate, a failed build or a rolled-back canary: the finish that follows is
            // the same news.
            if endedByUs { rangForTheEnd = true; return false }
            return ringOnceForTheEnd()
        case .router(let r) where !r.ok:
            return ringOnceForTheEnd()
        case .metricSource(let m):
            if m.ok { sourcesDown.remove(m.source); return false }
            return sourcesDown.insert(m.source).inserted
        case .finished(let f):
            if f.outcome == .promoted || quitting || endedByUs { return false }
            return ringOnceForTheEnd()
        default:
            return false
        }
    }

    private var endedByUs: Bool { ours == .rollback || ours == .abort }

    private mutating func ringOnceForTheEnd() -> Bool {
        defer { rangForTheEnd = true }
        return !rangForTheEnd
    }
}
