import RampartCore

/// How fast a run's clock goes: real time, a multiple of it, or as fast as the machine can
/// (`max`, a virtual clock). Only real time may touch the outside world: a faster clock cannot
/// speed up a real model, a router or a metrics backend, so `RunLaunch` refuses those.
public struct RunSpeed: Sendable, Equatable, CustomStringConvertible {
    /// Engine seconds per real second; nil for `max`.
    public let factor: Double?

    /// `max` or a positive finite number; nil otherwise.
    public init?(_ text: String) {
        if text == "max" {
            factor = nil
            return
        }
        guard let x = Double(text), x > 0, x.isFinite else { return nil }
        factor = x
    }

    public static let realTime = RunSpeed(factor: 1)

    private init(factor: Double?) {
        self.factor = factor
    }

    public var isRealTime: Bool { factor == 1 }

    /// As the user typed it, for messages: `max`, `10`.
    public var description: String {
        guard let factor else { return "max" }
        return factor == factor.rounded() && abs(factor) < 1e15 ? String(Int(factor)) : String(factor)
    }

    public func clock() -> any EngineClock {
        factor.map { WallClock(speed: $0) } ?? VirtualClock()
    }

    /// Why a spec cannot run at this speed, or nil when it can. Checked before anything is
    /// written or started.
    public func refusal(for spec: PipelineSpec) -> String? {
        guard !isRealTime else { return nil }
        let real = [("baseline", spec.baseline), ("candidate", spec.candidate)].filter { $0.1.provider != .sim }
        if !real.isEmpty {
            let names = real.map { "\($0.0) (\($0.1.provider.rawValue) \($0.1.label))" }.joined(separator: " and ")
            return "--speed \(self) would send real requests to \(names) faster than real time; use --speed 1, or `rampart eval` for the gates alone"
        }
        guard let canary = spec.canary, canary.traffic.source != .sim else { return nil }
        if canary.traffic.source == .external {
            return "traffic source 'external' needs real time: drop --speed \(self)"
        }
        if canary.metricsSource != .observations {
            return "metrics from \(canary.metricsSource.name) are read in real time: drop --speed \(self)"
        }
        if canary.router != .builtin {
            return "the \(canary.router.name) router moves real traffic, which cannot be sped up: drop --speed \(self)"
        }
        return nil
    }

    /// Why canary traffic the spec sends over HTTP runs in process instead, said in the run.
    public func trafficNote(for spec: PipelineSpec) -> String? {
        guard !isRealTime, let canary = spec.canary, canary.traffic.source != .sim else { return nil }
        return "--speed \(self): real HTTP requests cannot be sped up, so canary traffic is simulated in process"
    }
}
