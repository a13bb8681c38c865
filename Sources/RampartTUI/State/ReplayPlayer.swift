import RampartCore

/// What the operator can do to a replay.
public enum ReplayControl: Equatable, Sendable {
    case togglePause, faster, slower, nextDecision, previousDecision
    /// Jump by this many seconds of engine time (negative: back).
    case seek(Double)
}

/// Plays a recording on a virtual clock: speed 1×/2×/10×/max, pause, jump to decisions, seek.
/// Pure: wall time in, the events now due out. Seeking back asks the caller to rebuild the
/// dashboard state from the start, which the pure reducer makes cheap.
public struct ReplayPlayer: Sendable {
    public static let speeds: [Double] = [1, 2, 10, .infinity]

    public let events: [RunEvent]
    /// Times of the decisions (stage changes, weight changes, operator actions, rollbacks, the end).
    public let decisions: [Double]
    public private(set) var position = 0.0
    public private(set) var speedIndex: Int
    public private(set) var paused = false
    /// Events already handed out.
    public private(set) var applied = 0

    public init(events: [RunEvent], speed: Double = 1) {
        self.events = events.filter { if case .observations = $0.body { false } else { true } }
        decisions = self.events.filter(\.isDecision).map(\.t)
        speedIndex = ReplayPlayer.speeds.firstIndex { $0 >= speed } ?? ReplayPlayer.speeds.count - 1
    }

    public var speed: Double { ReplayPlayer.speeds[speedIndex] }
    public var duration: Double { events.last?.t ?? 0 }
    public var atEnd: Bool { applied == events.count }
    public var speedLabel: String { speed.isInfinite ? "max" : "\(Int(speed))×" }

    /// Moves the clock on by `wall` seconds of real time.
    public mutating func advance(by wall: Double) {
        guard !paused, !atEnd else { return }
        position = speed.isInfinite ? duration : min(duration, position + wall * speed)
    }

    /// Events whose time has come, each handed out once.
    public mutating func due() -> ArraySlice<RunEvent> {
        let start = applied
        while applied < events.count && events[applied].t <= position + 1e-9 { applied += 1 }
        return events[start..<applied]
    }

    /// Applies a control; returns true when the state must be rebuilt from the start (a move back).
    public mutating func control(_ c: ReplayControl) -> Bool {
        switch c {
        case .togglePause:
            paused.toggle()
        case .faster:
            speedIndex = min(speedIndex + 1, ReplayPlayer.speeds.count - 1)
        case .slower:
            speedIndex = max(speedIndex - 1, 0)
        case .nextDecision:
            if let t = decisions.first(where: { $0 > position + 1e-9 }) { position = t }
        case .previousDecision:
            if let t = decisions.last(where: { $0 < position - 1e-9 }) { return moveBack(to: t) }
            return moveBack(to: 0)
        case .seek(let d):
            if d < 0 { return moveBack(to: max(0, position + d)) }
            position = min(duration, position + d)
        }
        return false
    }

    private mutating func moveBack(to t: Double) -> Bool {
        position = t
        applied = 0
        return true
    }

    public var status: DashboardState.ReplayStatus {
        .init(speed: speedLabel, paused: paused, position: position, duration: duration, decisions: decisions)
    }
}
