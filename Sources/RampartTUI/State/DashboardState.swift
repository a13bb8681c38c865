import RampartCore

/// Everything the dashboard shows, derived from engine events, key presses and the wall clock.
/// A value: the reducer makes a new one, `render` draws it, tests compare them.
public struct DashboardState: Equatable, Sendable {
    /// What the engine has told us: the fold every front end shares.
    public var run = RunState()
    public var history: [CanaryMetric: MetricHistory] = [:]
    public var operatorName = ""
    /// The terminal bell on notable events; off in replays and tests that do not want it.
    public var bellEnabled = true
    /// What has rung already, so each thing rings once.
    public var bell = Bell()
    /// Set when the dashboard plays a recording: the clock, speed and decision marks.
    public var replay: ReplayStatus?

    public struct ReplayStatus: Equatable, Sendable {
        public var speed: String
        public var paused: Bool
        public var position: Double
        public var duration: Double
        public var decisions: [Double]
    }
    public var log: [LogLine] = []

    // Wall clock, for elapsed time and staleness.
    public var startedWall: Double
    public var lastEventWall: Double
    public var now: Double
    /// When the finished event arrived: the elapsed clock stops there.
    public var finishedWall: Double?

    // The operator's side.
    public var logScroll = 0
    /// Lines the event log panel showed when last drawn: scrolling stops where the oldest page
    /// shows in full, so the next key after `g` moves the view at once.
    public var logRows = 8
    public var focus: Focus = .metrics
    public var selectedMetric = 0
    public var overlay: Overlay?
    /// The line being typed after `/` (a filter on the event log) or `:` (a command), k9s-style.
    public var prompt: Prompt?
    /// The event log shows only lines containing this, case-insensitively; nil shows them all.
    public var logFilter: String?
    public var themeNames: [String]
    public var themeIndex = 0
    public var flash: Flash?
    /// Commands sent and not yet confirmed by an event, shown at once as feedback.
    public var pending: String?
    public var quitting = false
    /// Taking back the promotion after the run ended: possible here or not, under way, done.
    public var promotionUndo = PromotionUndo.unavailable("no router to reach from here")

    public init(operatorName: String, themeNames: [String] = ["default"], themeIndex: Int = 0, now: Double) {
        self.operatorName = operatorName
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.themeIndex = min(max(0, themeIndex), self.themeNames.count - 1)
        startedWall = now
        lastEventWall = now
        self.now = now
    }

    public struct Prompt: Equatable, Sendable {
        public enum Kind: Equatable, Sendable { case filter, command }
        public var kind: Kind
        public var text = ""
    }

    public enum Focus: String, CaseIterable, Sendable {
        case metrics, log
    }

    public enum Overlay: Equatable, Sendable {
        case help
        case confirm(Confirmation)
    }

    public struct Flash: Equatable, Sendable {
        public var text: String
        public var until: Double
    }

    public struct LogLine: Equatable, Sendable {
        public enum Tone: Sendable { case normal, good, bad, warn, operatorAction }
        public var text: String
        public var tone: Tone
    }

    public struct MetricHistory: Equatable, Sendable {
        public static let capacity = 240
        public var baseline: [Double?] = []
        public var candidate: [Double?] = []

        mutating func append(baseline b: Double?, candidate c: Double?) {
            baseline.append(b)
            candidate.append(c)
            if baseline.count > Self.capacity { baseline.removeFirst(baseline.count - Self.capacity) }
            if candidate.count > Self.capacity { candidate.removeFirst(candidate.count - Self.capacity) }
        }
    }

    /// A destructive action waiting for a second, deliberate key press.
    public struct Confirmation: Equatable, Sendable {
        public enum Action: Equatable, Sendable {
            case rollback, promoteFully, quitAbort
            /// The run promoted: the router sends all traffic back to the baseline.
            case rollbackPromotion
        }

        public var action: Action
        public var reason = ""
        /// Cancel has focus when the dialog opens; Enter on it does nothing harmful.
        public var confirmFocused = false
        /// What the run did while the dialog was open ("the ramp moved to 50 %"), so the
        /// operator decides on what is true now, not on what was true when they pressed the key.
        public var moved: String?
        /// The run ended under the dialog: nothing can be sent to it any more. The dialog stays,
        /// with what was typed, and says what still makes sense.
        public var ended: RunFinished?
    }

    public var themeName: String { themeNames[themeIndex] }

    /// Wall seconds the run has been on screen, frozen once it has finished.
    public var elapsed: Double { (finishedWall ?? now) - startedWall }

    /// Wall seconds since the last event.
    public var silence: Double { now - lastEventWall }
}

/// The engine's side of the state, read through `run` so the view code reads as before.
extension DashboardState {
    public var pipeline: String { run.pipeline }
    public var baseline: String { run.baseline }
    public var candidate: String { run.candidate }
    public var stages: [String] { run.stages }
    public var stageStates: [String: StageState] { run.stageStates }
    public var stageReasons: [String: String] { run.stageReasons }
    public var gates: [String: GateResult] { run.gates }
    public var steps: [CanaryStep] { run.steps }
    public var stepCount: Int { run.stepCount }
    public var currentStep: Int? { run.currentStep }
    /// The candidate's share; 0 once the promotion was taken back after the run.
    public var weight: Double { promotionUndo.isDone ? 0 : run.weight }
    public var latest: MetricsSnapshot? { run.latest }
    public var analysis: CanaryAnalysis? { run.analysis }
    public var dataPlane: DataPlaneStarted? { run.dataPlane }
    public var finished: RunFinished? { run.finished }
    public var engineTime: Double { run.engineTime }
    public var canaryLive: Bool { run.canaryLive }
    public var paused: Bool { run.paused }
    public var baked: Double { run.baked }
    public var eta: (step: Double, total: Double)? { run.eta }
    public var candidateTotal: Int { run.candidateTotal }
}
