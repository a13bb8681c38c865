import Foundation
import RampartCore
import RampartEngine
import RampartNet
import Synchronization

/// Proxy overhead: the same open-loop request rate sent straight to an upstream and through the
/// proxy, side by side in one run, alternating rounds; reports the latency the proxy adds at p50
/// and p99 (medians over rounds) and the highest closed-loop throughput of each path.
func proxyBenchmark() async throws {
    let upstream = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
        .json(
            200,
            #"{"choices":[{"message":{"role":"assistant","content":"Your order ships tomorrow."}}],"usage":{"prompt_tokens":42,"completion_tokens":7}}"#
        )
    }
    let up = ProxyUpstream(
        endpoint: HTTPEndpoint(host: "127.0.0.1", port: upstream.port ?? 0), pricing: Pricing(promptPer1K: 0.5, completionPer1K: 1.5))
    let inbox = ObservationInbox()
    let proxy = WeightedProxy(baseline: up, candidate: up, stickyHeader: "x-user-id", timeout: 10) { inbox.post($0.observation) }
    try proxy.setWeight(20)
    let server = try await proxy.serve(host: "127.0.0.1", port: 0)
    let body = Array(#"{"model":"m","messages":[{"role":"user","content":"Where is my order?"}]}"#.utf8)
    let request: @Sendable (Int) -> HTTPRequestMessage = { i in
        HTTPRequestMessage(
            method: "POST", uri: "/v1/chat/completions", headers: [("Content-Type", "application/json"), ("x-user-id", "u\(i % 1000)")], body: body)
    }

    /// Open loop at `rate` for `duration` seconds; per-request latency in ms as the client saw it.
    func openLoop(_ pool: HTTPEndpoint, rate: Double, duration: Double) async -> [Double] {
        let clock = ContinuousClock()
        let start = clock.now
        let latencies = Tally()
        await withTaskGroup(of: Void.self) { group in
            let n = Int(rate * duration)
            for i in 0..<n {
                let due = start.advanced(by: .microseconds(Int64(Double(i) / rate * 1e6)))
                if due > clock.now { try? await clock.sleep(until: due) }
                group.addTask {
                    let t0 = clock.now
                    if (try? await pool.send(request(i), timeout: 10)) != nil {
                        let ms = seconds(clock.now - t0) * 1000
                        latencies.values.withLock { $0.append(ms) }
                    }
                }
            }
        }
        return latencies.values.withLock { $0 }
    }

    /// Closed loop with `concurrency` clients for `duration` seconds: requests per second.
    func closedLoop(_ pool: HTTPEndpoint, concurrency: Int, duration: Double) async -> Double {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: .seconds(duration))
        let done = Tally()
        await withTaskGroup(of: Void.self) { group in
            for c in 0..<concurrency {
                group.addTask {
                    var i = c
                    while clock.now < end {
                        if (try? await pool.send(request(i), timeout: 10)) != nil { done.count.withLock { $0 += 1 } }
                        i += concurrency
                    }
                }
            }
        }
        return Double(done.count.withLock { $0 }) / duration
    }

    let direct = HTTPEndpoint(host: "127.0.0.1", port: upstream.port ?? 0)
    let proxied = HTTPEndpoint(host: "127.0.0.1", port: server.port ?? 0)
    let rate = 500.0
    _ = await openLoop(direct, rate: rate, duration: 1)  // warm both paths
    _ = await openLoop(proxied, rate: rate, duration: 1)
    var d50: [Double] = [], d99: [Double] = [], p50: [Double] = [], p99: [Double] = [], served: [Double] = []
    for _ in 0..<5 {
        let d = await openLoop(direct, rate: rate, duration: 3)
        let p = await openLoop(proxied, rate: rate, duration: 3)
        d50.append(percentile(d, 0.5)); d99.append(percentile(d, 0.99))
        p50.append(percentile(p, 0.5)); p99.append(percentile(p, 0.99))
        served.append(Double(p.count) / (rate * 3))
        _ = inbox.drain()
    }
    func ms(_ v: Double) -> String { String(format: "%.3f", v) }
    print("proxy overhead at \(Int(rate)) req/s open loop (5 rounds of 3 s, direct and proxied alternating; medians):")
    print("  direct  p50 \(ms(median(d50))) ms  p99 \(ms(median(d99))) ms")
    print("  proxied p50 \(ms(median(p50))) ms  p99 \(ms(median(p99))) ms")
    print(
        "  added   p50 \(ms(median(p50) - median(d50))) ms  p99 \(ms(median(p99) - median(d99))) ms; proxied requests answered \(String(format: "%.1f", median(served) * 100))%"
    )
    let addedP99 = median(p99) - median(d99)
    recordGoal("proxy p99 added at \(Int(rate)) req/s", measured: String(format: "%.3f ms", addedP99), goal: "≤ 1 ms", met: addedP99 <= 1)
    var dt: [Double] = [], pt: [Double] = []
    for _ in 0..<3 {
        dt.append(await closedLoop(direct, concurrency: 32, duration: 2))
        pt.append(await closedLoop(proxied, concurrency: 32, duration: 2))
        _ = inbox.drain()
    }
    print(
        "throughput, 32 clients closed loop (3 rounds of 2 s; medians): direct \(Int(median(dt))) req/s, proxied \(Int(median(pt))) req/s, ratio \(String(format: "%.2f", median(pt) / median(dt)))"
    )
    await server.stop()
    await upstream.stop()
}

/// Observations per second into the live metrics (inbox post, drain, HDR record), one core.
func ingestBenchmark() {
    var rng = SeededRandom(seed: 1, stream: "ingest")
    let latency = LogNormal(median: 850, p99: 2600)
    let n = 1_000_000
    let observations = (0..<n).map { i in
        Observation(
            variant: i % 5 == 0 ? .candidate : .baseline, latencyMs: latency.sample(&rng), failed: i % 200 == 0, promptTokens: 60,
            completionTokens: 40, cost: 0.0001, quality: i % 4 == 0 ? 0.9 : nil, synthetic: true)
    }
    var rates: [Double] = []
    for _ in 0..<5 {
        let inbox = ObservationInbox()
        var live = LiveMetrics()
        let clock = ContinuousClock()
        let t = clock.measure {
            for (i, o) in observations.enumerated() {
                inbox.post(o)
                if i % 1000 == 999 {
                    let t = Double(i) / 1000
                    for x in inbox.drain() { live.record(x, at: t) }
                }
            }
            _ = live.snapshot(weight: 20, at: 1000)
        }
        rates.append(Double(n) / seconds(t))
    }
    print("metric ingest: median \(String(format: "%.2f", median(rates) / 1e6)) M observations/s (5 rounds of 1M: post, drain, HDR record, window)")
}

final class Tally: Sendable {
    let values = Mutex<[Double]>([])
    let count = Mutex(0)
}
