import Foundation
import RampartCore
import RampartEngine

/// The judges' cost per observation (observe, and analyze after every observation as the
/// sequential judge may), and the `simulate` table for the three on the demo's traffic.
func judgeBenchmark() async throws {
    let inputs = try RunAssembly.load(file: repository + "/examples/demo.yaml")
    // Why `!`: examples/demo.yaml has a canary section (SpecTests.demoSpecLoadsWithEveryField).
    let canary = inputs.spec.canary!
    var rng = SeededRandom(seed: 5, stream: "judge-bench")
    let latency = LogNormal(median: 850, p99: 2600)
    let n = 200_000
    let observations = (0..<n).map { i in
        Observation(
            variant: i % 5 == 0 ? .candidate : .baseline, latencyMs: latency.sample(&rng), failed: i % 200 == 0, promptTokens: 60,
            completionTokens: 40, cost: 0.0001, quality: i % 2 == 0 ? 0.9 : nil)
    }
    for kind in JudgePolicy.Kind.allCases {
        var spec = canary
        spec.judge.kind = kind
        var observeRates: [Double] = [], lookRates: [Double] = []
        for _ in 0..<3 {
            var judge = Judges.make(spec)
            judge.startStep(0, weight: 20, at: 0)
            let clock = ContinuousClock()
            let t = clock.measure {
                for (i, o) in observations.enumerated() { judge.observe(o, weight: 20, at: Double(i) / 40) }
            }
            observeRates.append(Double(n) / seconds(t))
            var looking = Judges.make(spec)
            looking.startStep(0, weight: 20, at: 0)
            let m = min(n, kind == .sequential ? 50_000 : 2_000)
            let t2 = clock.measure {
                for (i, o) in observations.prefix(m).enumerated() {
                    looking.observe(o, weight: 20, at: Double(i) / 40)
                    _ = looking.analyze(step: 0, at: Double(i) / 40, baseline: ArmMetrics(), candidate: ArmMetrics())
                }
            }
            lookRates.append(Double(m) / seconds(t2))
        }
        print(
            "judge \(kind.rawValue): observe \(String(format: "%.2f", median(observeRates) / 1e6)) M obs/s; observe + analyze after each \(String(format: "%.0f", median(lookRates))) obs/s (one core, medians of 3)"
        ); fflush(nil)
    }
    kayentaScaling(canary, observations)
    let trials = Int(ProcessInfo.processInfo.environment["RAMPART_BENCH_TRIALS"] ?? "200") ?? 200
    let sim = CanarySimulation(inputs: inputs, trials: trials, seed: 1)
    print("simulate on examples/demo.yaml, \(trials) canaries per row (candidate = baseline for 'none'):"); fflush(nil)
    print("judge       scenario       promoted  rolled back  inconcl.  median req. to rollback  median time to promote"); fflush(nil)
    var timedCanaries = 0, timedCPU = 0.0, timedWall = 0.0
    for kind in JudgePolicy.Kind.allCases {
        for effect in [
            nil, SimulationEffect(target: .latency, amount: 0.5), SimulationEffect(target: .errorRate, amount: 0.05),
            SimulationEffect(target: .quality, amount: 0.15),
        ] {
            let cpu = processCPUSeconds(), start = ContinuousClock.now
            let r = await sim.run(judge: kind, effect: effect)
            // The goal's two scenarios: an identical candidate and a slower one.
            if effect == nil || effect?.changes.first?.target == .latency {
                timedCanaries += trials
                timedCPU += processCPUSeconds() - cpu
                timedWall += seconds(ContinuousClock.now - start)
            }
            let req = r.medianRequestsBeforeRollback.map { String(Int($0)) } ?? "-"
            let time = r.medianSecondsToPromote.map { DurationText.format($0) } ?? "-"
            print(
                "\(kind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  \(r.scenario.padding(toLength: 13, withPad: " ", startingAt: 0))  \(String(format: "%8d", r.promoted))  \(String(format: "%11d", r.rolledBack))  \(String(format: "%8d", r.inconclusive))  \(req.padding(toLength: 23, withPad: " ", startingAt: 0))  \(time)"
            ); fflush(nil)
        }
    }
    let perCore = Double(timedCanaries) / timedCPU
    print(
        "simulate: \(timedCanaries) canaries (3 judges x 2 scenarios x \(trials)) in \(String(format: "%.1f", timedWall)) s wall, \(String(format: "%.1f", timedCPU)) s CPU: \(String(format: "%.0f", perCore)) canaries/s per core"
    )
    recordGoal("simulate, demo canaries per core", measured: String(format: "%.0f/s", perCore), goal: "≥ 50/s", met: perCore >= 50)
    recordGoal(
        "simulate, 3 judges x 2 scenarios x \(trials)", measured: String(format: "%.1f s wall", timedWall), goal: "< 30 s", met: timedWall < 30)
}

/// Kayenta's cost as a step grows: observe n observations, then one analysis (the judge keeps
/// closed buckets' aggregates, so an analysis costs the buckets' series, not every observation
/// again). Linear means the cost per observation does not grow with n. (Kayenta's own
/// Mann-Whitney over a step's whole series, run at every analysis, is what a long step pays;
/// Kayenta does the same.)
func kayentaScaling(_ canary: CanarySpec, _ sample: [Observation]) {
    var spec = canary
    spec.judge.kind = .kayenta
    var perObservation: [Int: Double] = [:]
    for n in [10_000, 100_000, 1_000_000] {
        var runs: [Double] = [], analyses: [Double] = []
        for _ in 0..<3 {
            var judge = Judges.make(spec)
            judge.startStep(0, weight: 20, at: 0)
            let clock = ContinuousClock()
            var analysis = Duration.zero
            let t = clock.measure {
                for i in 0..<n { judge.observe(sample[i % sample.count], weight: 20, at: Double(i) / 40) }
                analysis = clock.measure {
                    _ = judge.analyze(step: 0, at: Double(n) / 40, baseline: ArmMetrics(), candidate: ArmMetrics())
                }
            }
            runs.append(seconds(t))
            analyses.append(seconds(analysis))
        }
        perObservation[n] = median(runs) / Double(n)
        print(
            "kayenta: \(n) observations and one analysis: \(String(format: "%.3f", median(runs))) s (\(String(format: "%.2f", median(runs) / Double(n) * 1e6)) µs per observation; the analysis \(String(format: "%.1f", median(analyses) * 1000)) ms)"
        )
    }
    let growth = (perObservation[1_000_000] ?? .nan) / (perObservation[10_000] ?? .nan)
    recordGoal("kayenta cost per observation, 1e6 vs 1e4", measured: String(format: "%.2f×", growth), goal: "≤ 2× (linear)", met: growth <= 2)
}
