/// The step's summaries as a judge that decides on point estimates should see them: without the
/// ticks in which the baseline itself failed above the evidence guard's rate, and without the
/// intervals the guard found broken. In those, both versions suffer alike, and their requests in
/// a summary are mostly noise that two analyses in a row past a limit turn into a false rollback
/// of a candidate that did nothing. Which requests are left out is decided by the baseline and
/// the guard alone, so a candidate failing on its own is never left out.
public struct SoundSummaries: Sendable {
    public let settings: EvidenceGuard.Settings
    /// The step's sound intervals, and the interval in progress (baseline, candidate).
    private var sound = [ArmAccumulator(), ArmAccumulator()]
    private var interval = [ArmAccumulator(), ArmAccumulator()]
    /// The candidate's critical events in the step, from every tick: one rolls back whatever
    /// else is broken, so none is ever left out.
    private var criticalEvents = 0

    public init(settings: EvidenceGuard.Settings) {
        self.settings = settings
    }

    /// A new step compares the arms afresh.
    public mutating func startStep() {
        sound = [ArmAccumulator(), ArmAccumulator()]
        interval = [ArmAccumulator(), ArmAccumulator()]
        criticalEvents = 0
    }

    /// One tick's requests: kept for the interval unless the baseline failed in them.
    public mutating func record(tick observations: [Observation]) {
        criticalEvents += observations.count { $0.variant == .candidate && $0.critical && !$0.isClientError }
        guard !EvidenceGuard.baselineFailing(observations, settings: settings) else { return }
        for o in observations { interval[o.variant == .baseline ? 0 : 1].record(o) }
    }

    /// Closes the analysis interval: its requests join the step's unless the guard found it
    /// broken. Returns whether the judge should be asked now: not after a broken interval, as
    /// it would judge again what it has already judged and count the same failure twice, unless
    /// a critical event came.
    public mutating func closeInterval(broken: Bool) -> Bool {
        if !broken { for arm in 0..<2 { sound[arm].add(interval[arm]) } }
        interval = [ArmAccumulator(), ArmAccumulator()]
        return !broken || criticalEvents > 0
    }

    public func arm(_ v: Variant) -> ArmMetrics { sound[v == .baseline ? 0 : 1].metrics() }
}
