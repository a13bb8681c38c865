import Foundation
import Synchronization

/// Where the engine reads time. Injected so tests and simulations run a 30-minute canary in
/// milliseconds, and so a demo can run faster than real time.
public protocol EngineClock: Sendable {
    /// Seconds since the run started.
    func now() -> Double
    /// Suspends until `now() >= t`. Throws `CancellationError` if the task is cancelled.
    func sleep(until t: Double) async throws
    /// The wall-clock instant of engine time `t`, for a metrics backend that keeps wall time
    /// (Prometheus, CloudWatch): the engine itself never reads the wall clock.
    func date(at t: Double) -> Date
    /// Whether time stands still while the engine waits on the network (a metrics backend's
    /// answer): true for virtual time, where nothing would otherwise stop the clock racing past.
    var standsStillForIO: Bool { get }
}

extension EngineClock {
    public var standsStillForIO: Bool { false }
}

/// Virtual time: sleeping jumps the clock forward at once. Deterministic, never waits.
public final class VirtualClock: EngineClock {
    private let time = Mutex(0.0)
    /// The wall-clock instant engine time 0 stands for.
    public let epoch: Date

    public init(epoch: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        self.epoch = epoch
    }

    public func date(at t: Double) -> Date { epoch.addingTimeInterval(t) }

    public var standsStillForIO: Bool { true }

    public func now() -> Double { time.withLock { $0 } }

    public func sleep(until t: Double) async throws {
        try Task.checkCancellation()
        time.withLock { $0 = max($0, t) }
        await Task.yield()
    }
}

/// Real time, optionally sped up: at `speed` 10 a 5-minute bake takes 30 seconds of wall time.
public final class WallClock: EngineClock {
    private let start = ContinuousClock.now
    private let startDate = Date()
    public let speed: Double

    public func date(at t: Double) -> Date { startDate.addingTimeInterval(t / speed) }

    public init(speed: Double = 1) {
        precondition(speed > 0)
        self.speed = speed
    }

    public func now() -> Double {
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return seconds * speed
    }

    public func sleep(until t: Double) async throws {
        let remaining = (t - now()) / speed
        if remaining > 0 { try await Task.sleep(for: .seconds(remaining)) }
    }
}
