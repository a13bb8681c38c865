import Foundation
import RampartCore

/// Collects the canary's observations into windows of `interval` seconds on the engine clock
/// and hands each full window to the publisher, in order, without holding up the canary: a
/// slow or failing backend delays only its own calls. Each publication is reported as an event.
final class IntervalPublisher {
    private let publisher: any MetricPublisher
    private let interval: Double
    private let clock: any EngineClock
    private let report: @Sendable (MetricsPublished) -> Void
    private var window = MetricWindow()
    private var windowStart: Double
    private var windowEnd: Double
    private var last: Task<Void, Never>?

    init(
        publisher: any MetricPublisher, interval: Double, clock: any EngineClock, start: Double,
        report: @escaping @Sendable (MetricsPublished) -> Void
    ) {
        self.publisher = publisher
        self.interval = interval
        self.clock = clock
        self.report = report
        windowStart = start
        windowEnd = start + interval
    }

    /// Records the requests of one tick that ended at `t`, publishing each window that ended.
    func observe(_ observations: [Observation], at t: Double) {
        if t > windowEnd + 1e-9 { flush(upTo: t) }
        for o in observations { window.add(o) }
        if t >= windowEnd - 1e-9 { flush(upTo: t) }
    }

    /// Publishes what is left (the canary ended mid-window) and waits for every call.
    func finish(at t: Double) async {
        if !window.isEmpty { send(window, from: windowStart, to: t) }
        window = MetricWindow()
        await last?.value
    }

    private func flush(upTo t: Double) {
        if !window.isEmpty { send(window, from: windowStart, to: min(t, windowEnd)) }
        window = MetricWindow()
        while windowEnd <= t + 1e-9 { windowEnd += interval }
        windowStart = windowEnd - interval
    }

    private func send(_ window: MetricWindow, from: Double, to t: Double) {
        let previous = last
        let publisher = publisher
        let report = report
        let date = clock.date(at: t)
        last = Task {
            await previous?.value
            let counts = (window.arms[.baseline]?.requests ?? 0, window.arms[.candidate]?.requests ?? 0)
            var sent = MetricsPublished(sink: publisher.name, from: from, to: t, baselineRequests: counts.0, candidateRequests: counts.1, ok: true)
            do {
                try await publisher.publish(window, at: date)
            } catch {
                sent.ok = false
                sent.error = "\(error)"
            }
            report(sent)
        }
    }
}
