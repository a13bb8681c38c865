import Foundation

/// Something that happens to both versions at once for a while, for `rampart simulate`: an
/// upstream incident during which a share of every request fails and the rest are slower. It is
/// nobody's fault, so a judge that rolls back an A/A canary through it is blaming the candidate
/// for the time its requests were served.
public struct SharedIncident: Sendable, Equatable, CustomStringConvertible {
    /// Chance each request fails while it lasts (0...1).
    public var failure: Double
    /// Seconds after the canary's traffic started.
    public var start: Double
    public var duration: Double
    /// Factor on the latency of every request while it lasts.
    public var slowdown: Double

    public init(failure: Double, start: Double, duration: Double, slowdown: Double = 1) {
        self.failure = failure
        self.start = start
        self.duration = duration
        self.slowdown = slowdown
    }

    public func covers(_ t: Double) -> Bool { t >= start && t < start + duration }

    /// `30%@70s+15s` (30 % of requests fail from 70 s for 15 s), with an optional `x2`
    /// (requests twice as slow meanwhile): `30%x2@70s+15s`. Durations as in specs (`90s`, `2m`).
    public static func parse(_ text: String) -> SharedIncident? {
        let at = text.split(separator: "@", maxSplits: 1).map(String.init)
        guard at.count == 2 else { return nil }
        let when = at[1].split(separator: "+", maxSplits: 1).map(String.init)
        guard when.count == 2, let start = DurationText.seconds(from: when[0]), let duration = DurationText.seconds(from: when[1]),
            start <= 1e7, duration > 0, duration <= 1e7
        else { return nil }
        let what = at[0].split(separator: "x", maxSplits: 1).map(String.init)
        guard what[0].hasSuffix("%"), let percent = Double(what[0].dropLast()), (0...100).contains(percent) else { return nil }
        var slowdown = 1.0
        if what.count == 2 {
            guard let s = Double(what[1]), s.isFinite, s >= 1, s <= 100 else { return nil }
            slowdown = s
        }
        return SharedIncident(failure: percent / 100, start: start, duration: duration, slowdown: slowdown)
    }

    public var description: String {
        "incident \(String(format: "%g", failure * 100))%\(slowdown == 1 ? "" : "x\(String(format: "%g", slowdown))")@\(DurationText.format(start))+\(DurationText.format(duration))"
    }
}
