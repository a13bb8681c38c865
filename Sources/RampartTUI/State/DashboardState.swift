import RampartCore

/// Everything the dashboard shows, derived from engine events, key presses and the wall clock.
/// A value: the reducer makes a new one, `render` draws it, tests compare them.
public struct DashboardState: Equatable, Sendable {
    // What the engine has told us.
    public var pipeline = ""
    public var baseline = ""
    public var candidate = ""
    public var operatorName = ""
    public var stages: [String] = []
    public var stageStates: [String: StageState] = [:]
    public var stageReasons: [String: String] = [:]
    public var gates: [String: GateResult] = [:]
    public var steps: [CanaryStep] = []
    public var stepCount = 0
    public var currentStep: Int?
    public var stepStartedAt = 0.0
    public var pausedAt: Double?
    public var pausedTotal = 0.0
    public var weight = 0.0
    public var latest: MetricsSnapshot?
    public var history: [CanaryMetric: MetricHistory] = [:]
    public var analysis: CanaryAnalysis?
    /// Where the canary's traffic flows (proxy address, upstreams), once the data plane is up.
    public var dataPlane: DataPlaneStarted?
    /// The terminal bell on notable events; off in replays and tests that do not want it.
    public var bellEnabled = true
    /// Set when the dashboard plays a recording: the clock, speed and decision marks.
    public var replay: ReplayStatus?

    public struct ReplayStatus: Equatable, Sendable {
        public var speed: String
        public var paused: Bool
        public var position: Double
        public var duration: Double
        public var decisions: [Double]
    }
    public var finished: RunFinished?
    public var log: [LogLine] = []
    /// The engine clock at the last event.
    public var engineTime = 0.0

    // Wall clock, for elapsed time and staleness.
    public var startedWall: Double
    public var lastEventWall: Double
    public var now: Double
    /// When the finished event arrived: the elapsed clock stops there.
    public var finishedWall: Double?

    // The operator's side.
    public var logScroll = 0
    public var focus: Focus = .metrics
    public var selectedMetric = 0
    public var overlay: Overlay?
    public var themeNames: [String]
    public var themeIndex = 0
    public var flash: Flash?
    /// Commands sent and not yet confirmed by an event, shown at once as feedback.
    public var pending: String?
    public var quitting = false

    public init(operatorName: String, themeNames: [String] = ["default"], themeIndex: Int = 0, now: Double) {
        self.operatorName = operatorName
        self.themeNames = themeNames.isEmpty ? ["default"] : themeNames
        self.themeIndex = min(max(0, themeIndex), self.themeNames.count - 1)
        startedWall = now
        lastEventWall = now
        self.now = now
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
        }

        public var action: Action
        public var reason = ""
        /// Cancel has focus when the dialog opens; Enter on it does nothing harmful.
        public var confirmFocused = false
    }

    public var themeName: String { themeNames[themeIndex] }

    /// The canary is live: traffic is split and a decision is still to come.
    public var canaryLive: Bool {
        finished == nil && (stageStates[StageName.canary] == .running || stageStates[StageName.canary] == .paused)
    }

    public var paused: Bool { stageStates[StageName.canary] == .paused }

    /// Seconds the current step has baked on the engine clock (paused time excluded).
    public var baked: Double {
        let pausedNow = pausedAt.map { engineTime - $0 } ?? 0
        return max(0, engineTime - stepStartedAt - pausedTotal - pausedNow)
    }

    /// Seconds until the current step may advance, and until the last step ends (bake times only).
    public var eta: (step: Double, total: Double)? {
        guard let i = currentStep, i < steps.count, canaryLive else { return nil }
        let step = max(0, steps[i].bake - baked)
        return (step, step + steps[(i + 1)...].reduce(0) { $0 + $1.bake })
    }

    /// Wall seconds the run has been on screen, frozen once it has finished.
    public var elapsed: Double { (finishedWall ?? now) - startedWall }

    /// Wall seconds since the last event.
    public var silence: Double { now - lastEventWall }

    public var candidateTotal: Int { latest?.candidateTotal ?? 0 }
}
