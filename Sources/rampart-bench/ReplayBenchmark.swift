import Foundation
import RampartCore

/// Headless replay of a recording with 1,000,000 events: read and decode every line, format
/// each as the headless replay prints it, summarise. Reports events per second and the peak
/// resident memory of the whole process.
func replayBenchmark() throws {
    let path = NSTemporaryDirectory() + "rampart-bench-replay.jsonl"
    let n = 1_000_000
    if !FileManager.default.fileExists(atPath: path) {
        var text =
            try RunFileCodec.line(
                header: RunHeader(
                    pipeline: "bench", specFile: "bench.yaml", specSHA256: String(repeating: "0", count: 64),
                    baseline: VariantRecord(provider: "sim", model: "m", version: "1", promptTemplateSHA256: nil, guardrailsSHA256: nil),
                    candidate: VariantRecord(provider: "sim", model: "m", version: "2", promptTemplateSHA256: nil, guardrailsSHA256: nil),
                    git: nil, operator: "bench", host: "bench", startedAt: "2026-11-27T00:00:00Z", seed: 1, rampartVersion: "bench")) + "\n"
        text +=
            try RunFileCodec.line(
                event: RunEvent(
                    t: 0,
                    .runStarted(
                        RunStarted(pipeline: "bench", baseline: "m@1", candidate: "m@2", stages: ["canary", "promote"], seed: 1, operator: "bench"))))
            + "\n"
        let arm = ArmMetrics(
            requests: 500, errors: 2, latencyP50: 850, latencyP95: 1900, latencyP99: 2600, errorRate: 0.004, tokensPerRequest: 100,
            costPerRequest: 0.0001, quality: 0.93, qualitySamples: 120)
        var rng = SeededRandom(seed: 2, stream: "bench")
        let latency = LogNormal(median: 850, p99: 2600)
        let handle =
            FileHandle(forWritingAtPath: path)
            ?? {
                _ = FileManager.default.createFile(atPath: path, contents: nil)
                // Why `!`: the file was created on the line above, in a directory of our own.
                return FileHandle(forWritingAtPath: path)!
            }()
        handle.write(Data(text.utf8))
        var chunk = ""
        for i in 1..<(n - 1) {
            let t = Double(i) / 10
            let event: RunEvent
            switch i % 10 {
            case 0: event = RunEvent(t: t, .metrics(MetricsSnapshot(step: 0, weight: 20, baseline: arm, candidate: arm, candidateTotal: i)))
            case 5:
                event = RunEvent(
                    t: t, .analysis(CanaryAnalysis(step: 0, results: [], decision: .continue, reason: "gathering", judge: "sequential", ready: false))
                )
            default:
                let obs = (0..<5).map { j in
                    Observation(
                        variant: j == 0 ? .candidate : .baseline, latencyMs: latency.sample(&rng), promptTokens: 60, completionTokens: 40,
                        cost: 0.0001)
                }
                event = RunEvent(t: t, .observations(ObservationBatch(weight: 20, observations: obs)))
            }
            chunk += try RunFileCodec.line(event: event) + "\n"
            if i % 10_000 == 0 {
                handle.write(Data(chunk.utf8))
                chunk = ""
            }
        }
        chunk += try RunFileCodec.line(event: RunEvent(t: Double(n) / 10, .finished(RunFinished(outcome: .promoted, reason: "bench")))) + "\n"
        handle.write(Data(chunk.utf8))
        try handle.close()
    }
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    // Ours: `rampart replay FILE --headless` end to end (process start, reading, every line
    // printed to /dev/null, the summary), its peak memory its own.
    let rampart = try releaseRampart()
    // The reference: Python's json.loads on every line of the same file (what a script that
    // reads a run file does), in its own process.
    let script = """
        import json, sys, time
        t = time.perf_counter()
        with open(sys.argv[1], "rb") as f:
            for line in f:
                json.loads(line)
        print(time.perf_counter() - t)
        """
    var mine: [(wall: Double, cpu: Double, peakMB: Int)] = []
    var python: [Double] = []
    for _ in 0..<3 {  // interleaved rounds
        mine.append(try measuredRun([rampart, "replay", path, "--headless"]))
        if let s = Double((try? capture(["python3", "-c", script, path]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") {
            python.append(s)
        }
    }
    let wall = median(mine.map(\.wall)), cpu = median(mine.map(\.cpu))
    let peak = mine.map(\.peakMB).max() ?? 0
    let rate = Double(n) / wall
    print(
        "rampart replay --headless of \(n) events (\(size / 1_000_000) MB), median of \(mine.count): \(String(format: "%.2f", wall)) s wall, \(String(format: "%.2f", cpu)) s CPU on \(ProcessInfo.processInfo.activeProcessorCount) cores; \(String(format: "%.0f", rate)) events/s; peak RSS \(peak) MB"
    )
    if !python.isEmpty {
        let reference = Double(n) / median(python)
        print(
            "reference: python3 json.loads per line \(String(format: "%.0f", reference)) events/s; ratio \(String(format: "%.1f", rate / reference))x"
        )
    }
    recordGoal(
        "replay --headless, 1M events", measured: String(format: "%.2f M events/s, %d MB", rate / 1e6, peak), goal: "≥ 1 M/s, ≤ 200 MB",
        met: rate >= 1e6 && peak <= 200)
    print("goal: >= 1,000,000 events/s and <= 200 MB peak RSS: \(rate >= 1e6 && peak <= 200 ? "met" : "NOT met")")
}
