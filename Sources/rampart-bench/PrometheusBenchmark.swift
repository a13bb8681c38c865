import Foundation
import RampartCore
import RampartEngine
import RampartNet

/// What reading Prometheus costs an analysis: the meters behind a real Prometheus (scraping every
/// second) with traffic flowing, then the reads a canary makes at each analysis, timed side by
/// side with the floor of one trivial query in the same run: six metrics and the request count
/// for both arms (14 queries, in parallel), instant and range, and the share of a 10 s analysis
/// interval they take.
func prometheusBenchmark() async throws {
    guard let binary = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        print("prometheus: not installed (apt-get install prometheus, or `make test-deps`); skipped")
        return
    }
    let upstream = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
        .json(
            200,
            #"{"choices":[{"message":{"role":"assistant","content":"Your order ships tomorrow."}}],"usage":{"prompt_tokens":42,"completion_tokens":7}}"#
        )
    }
    let up = ProxyUpstream(
        endpoint: HTTPEndpoint(host: "127.0.0.1", port: upstream.port ?? 0), pricing: Pricing(promptPer1K: 0.5, completionPer1K: 1.5))
    let proxy = WeightedProxy(baseline: up, candidate: up)
    let meters = [
        try await proxy.serve(host: "127.0.0.1", port: 0, pinned: .baseline), try await proxy.serve(host: "127.0.0.1", port: 0, pinned: .candidate),
    ]

    let dir = NSTemporaryDirectory() + "rampart-bench-prom-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let probe = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "") }
    let port = probe.port ?? 0
    await probe.stop()
    try """
    global: { scrape_interval: 1s }
    scrape_configs:
      - job_name: meters
        static_configs: [ { targets: [\(meters.map { "\"127.0.0.1:\($0.port ?? 0)\"" }.joined(separator: ", "))] } ]
    """.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
    let prom = Process()
    prom.executableURL = URL(fileURLWithPath: binary)
    prom.arguments = [
        "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data", "--web.listen-address=127.0.0.1:\(port)", "--log.level=error",
    ]
    prom.standardOutput = FileHandle.nullDevice
    prom.standardError = FileHandle.nullDevice
    try prom.run()
    defer { prom.terminate(); prom.waitUntilExit() }

    // Traffic through both meters for the whole run: 20 requests/s, one in five to the candidate.
    let load = Task {
        let pools = meters.map { HTTPEndpoint(host: "127.0.0.1", port: $0.port ?? 0) }
        let body = Array(#"{"model":"m","messages":[{"role":"user","content":"Where is my order?"}]}"#.utf8)
        var i = 0
        while !Task.isCancelled {
            _ = try? await pools[i % 5 == 0 ? 1 : 0].send(
                HTTPRequestMessage(method: "POST", uri: "/v1/chat/completions", headers: [("Content-Type", "application/json")], body: body),
                timeout: 5)
            i += 1
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
    defer { load.cancel() }

    let client = PrometheusClient(baseURL: "http://127.0.0.1:\(port)", timeout: 5, token: nil)
    let stepStart = Date()
    // Ready, and at least 15 s of samples so range queries have a series to return.
    while (try? await client.instant("vector(1)")) == nil { try await Task.sleep(for: .milliseconds(200)) }
    try await Task.sleep(for: .seconds(15))

    let metrics: [CanaryMetric] = [.latencyP50, .latencyP95, .errorRate, .tokensPerRequest, .costPerRequest, .quality]
    func checks(_ kind: MetricQuery.Kind) -> [MetricCheck] {
        metrics.map { m in
            var c = MetricCheck(metric: m, maxRatio: 2)
            // Why `!`: PromQLDefaults has a query for each of these three metrics (PrometheusSourceTests).
            c.query = MetricQuery(expr: PromQLDefaults.query(for: m, kind: kind)!, kind: kind)
            return c
        }
    }
    var spec = PrometheusSourceSpec(url: "http://127.0.0.1:\(port)")
    spec.resolution = 1
    let instant = PrometheusMetrics(spec: spec, checks: checks(.instant), versions: [:], interval: 10, environment: [:])
    let range = PrometheusMetrics(spec: spec, checks: checks(.range), versions: [:], interval: 10, environment: [:])
    let clock = ContinuousClock()
    // The same 14 instant queries one after another: what the parallel read saves.
    func sequentialRead() async throws {
        let elapsed = Date().timeIntervalSince(stepStart)
        for v in Variant.allCases {
            let c = PromQLTemplate.Context(variant: v, version: v.rawValue, interval: 10, elapsed: elapsed, resolution: 1)
            _ = try await client.instant(PromQLTemplate.render(spec.requestsQuery, c))
            for query in checks(.instant).compactMap(\.query) { _ = try await client.instant(PromQLTemplate.render(query.expr, c)) }
        }
    }
    var floor: [Double] = [], sequential: [Double] = [], instantReads: [Double] = [], rangeReads: [Double] = []
    var failures = 0
    for _ in 0..<60 {
        floor.append(seconds(try await clock.measure { _ = try await client.instant("vector(1)") }))
        sequential.append(seconds(try await clock.measure { try await sequentialRead() }))
        instantReads.append(
            seconds(
                await clock.measure {
                    if !(await instant.read(stepStart: stepStart, now: Date())).errors.isEmpty { failures += 1 }
                }))
        rangeReads.append(
            seconds(
                await clock.measure {
                    if !(await range.read(stepStart: stepStart, now: Date())).errors.isEmpty { failures += 1 }
                }))
    }
    let f = median(floor), q = median(sequential), i = median(instantReads), r = median(rangeReads)
    func ms(_ x: Double) -> String { String(format: "%.2f ms", x * 1000) }
    print("prometheus (60 rounds, medians; 2.42 on loopback, scraping 2 meters every 1 s, 20 req/s flowing):")
    print("  one trivial query            \(ms(f))  (p90 \(ms(percentile(floor, 0.9))))")
    print("  the 14 queries one by one    \(ms(q))  (p90 \(ms(percentile(sequential, 0.9))))")
    print(
        "  analysis read, instant       \(ms(i))  (p90 \(ms(percentile(instantReads, 0.9)))), 14 queries in parallel = \(String(format: "%.2f", i / q))× one by one, \(String(format: "%.3f", i / 10 * 100))% of a 10 s interval"
    )
    print(
        "  analysis read, range (\(Int(Date().timeIntervalSince(stepStart))) s at 1 s) \(ms(r))  (p90 \(ms(percentile(rangeReads, 0.9)))), \(String(format: "%.3f", r / 10 * 100))% of a 10 s interval"
    )
    print("  reads with a failed query: \(failures)")
    for m in meters { await m.stop() }
    await upstream.stop()
}
