import ArgumentParser
import Foundation
import RampartCore
import RampartEngine

/// `rampart simulate`: what each judge would do with this spec's canary, measured over many
/// simulated canaries in virtual time.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Measure the canary judges on the spec's traffic: false rollbacks, false promotions, exposure to a bad candidate.",
        discussion: """
            For each judge, N canaries with no effect (the candidate is the baseline: any rollback is a \
            false rollback) and N with each --effect (a harmful candidate: any promotion is a false \
            promotion). Effects: latency=+30%, error_rate=+3% (points), error_rate=x2 (times), quality=-0.1, \
            tokens=+50%, or several at once joined by commas: latency=+30%,error_rate=x2. \
            --incident adds, to every trial, a time when both versions suffer alike (30%x2@70s+15s: \
            from 70 s into the canary, for 15 s, 30 % of all requests fail and the rest take twice \
            as long): a rollback of the no-effect canary then blames the candidate for the time its \
            requests were served. The spec's steps, metrics, margins, alphas, hold and quality_sample \
            are used as written; traffic is the sim model's. Nobody decides an inconclusive step, so \
            it waits out the spec's hold (its requests count in the exposure); --hold 0 ends it at \
            once, as an operator who always answers at once would.
            """)

    @Argument(help: "The pipeline spec.")
    var spec: String

    @Option(help: "Canaries per judge and scenario.")
    var trials: Int = 100

    @Option(name: .customLong("effect"), help: "A harmful change to simulate (repeatable). Default: latency=+50%.")
    var effects: [String] = []

    @Option(name: .customLong("incident"), help: "A shared incident in every trial, FAIL%[xSLOWDOWN]@START+DURATION (repeatable).")
    var incidents: [String] = []

    @Option(help: "Sweep one metric's effect from none to 3× its margin (latency_p50, error_rate, …) instead of --effect.")
    var sweep: String?

    @Option(help: "Effect sizes in a --sweep, evenly from 0 to 3× the margin.")
    var points: Int = 7

    @Option(help: "sequential, kayenta, threshold, or all.")
    var judge: String = "all"

    @Option(help: "Seed of the trials: each trial's engine seed is mixed from it (--json lists them), the same for every judge and scenario.")
    var seed: UInt64 = 1

    @Option(help: "How long an inconclusive canary waits for a human (30s, 5m, 0); default: the spec's hold.")
    var hold: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func validate() throws {
        guard (1...100_000).contains(trials) else { throw ValidationError("--trials must be 1...100000") }
        for e in effects where SimulationEffect.parse(e) == nil {
            throw ValidationError(
                "--effect takes TARGET=AMOUNT[,TARGET=AMOUNT…] with TARGET one of latency, error_rate, quality, tokens, each once (e.g. latency=+30%,error_rate=x2), got '\(e)'"
            )
        }
        for i in incidents where SharedIncident.parse(i) == nil {
            throw ValidationError("--incident takes FAIL%[xSLOWDOWN]@START+DURATION (e.g. 30%x2@70s+15s), got '\(i)'")
        }
        if let sweep {
            guard CanaryMetric(rawValue: sweep) != nil else {
                throw ValidationError(
                    "--sweep takes a metric: \(CanaryMetric.allCases.map(\.rawValue).joined(separator: ", ")), got '\(sweep)'")
            }
            guard effects.isEmpty else { throw ValidationError("--sweep and --effect do not go together: a sweep makes its own effects") }
            guard (2...31).contains(points) else { throw ValidationError("--points must be 2...31") }
        }
        if let hold {
            guard let h = DurationText.seconds(from: hold), h <= 86_400 else {
                throw ValidationError("--hold takes a duration from 0 to 24h, such as 0, 30s, 5m or 1h, got '\(hold)'")
            }
        }
        guard judge == "all" || JudgePolicy.Kind(rawValue: judge) != nil else {
            throw ValidationError("--judge must be sequential, kayenta, threshold or all, got '\(judge)'")
        }
    }

    func run() async throws {
        let inputs: PipelineInputs
        do {
            inputs = try RunAssembly.load(file: spec)
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        guard inputs.spec.canary != nil else {
            Console.error("error: \(spec) has no canary to simulate")
            throw Exit.invalidInput
        }
        // Thousands of simulated canaries run at machine speed: they must never reach a real model.
        guard inputs.spec.baseline.provider == .sim else {
            Console.error(
                "error: simulate draws traffic from the baseline's sim profile; the baseline is \(inputs.spec.baseline.provider.rawValue) (\(inputs.spec.baseline.label)), and its real endpoint is never called at machine speed. Simulate a copy of the spec with provider: sim and the options that model it"
            )
            throw Exit.usage
        }
        let parsed = effects.isEmpty ? [SimulationEffect(target: .latency, amount: 0.5)] : effects.compactMap(SimulationEffect.parse)
        let judges = judge == "all" ? JudgePolicy.Kind.allCases : JudgePolicy.Kind(rawValue: judge).map { [$0] } ?? []
        let sim = CanarySimulation(
            inputs: inputs, trials: trials, seed: seed, incidents: incidents.compactMap(SharedIncident.parse),
            hold: hold.flatMap(DurationText.seconds(from:)))
        if let sweep, let metric = CanaryMetric(rawValue: sweep) {
            guard let check = inputs.spec.canary?.metrics.first(where: { $0.metric == metric }) else {
                Console.error("error: \(spec) does not judge \(metric.rawValue); --sweep takes one of its canary metrics")
                throw Exit.usage
            }
            switch EffectSweep.points(for: check, count: points) {
            case .failure(let e):
                Console.error("error: --sweep \(metric.rawValue): \(e.message)")
                throw Exit.usage
            case .success(let grid):
                try await SweepReport(check: check, grid: grid, judges: judges, sim: sim, json: json).print()
                return
            }
        }
        var rows: [CanarySimulation.Row] = []
        for j in judges {
            rows.append(await sim.run(judge: j, effect: nil))
            for e in parsed { rows.append(await sim.run(judge: j, effect: e)) }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(rows), as: UTF8.self))
            return
        }
        guard let c = inputs.spec.canary?.judge else { return }
        print(
            "\(trials) simulated canaries per row; sequential budgets: α_rollback \(c.alphaRollback), α_promote \(c.alphaPromote); an inconclusive step waits \(DurationText.format(sim.hold ?? c.hold)) for nobody"
        )
        print("")
        let header = [
            "judge", "scenario", "promoted", "rolled back", "inconcl.", "false rollback", "false promote", "median req. to rollback",
            "req. served, median (p90)", "time, median (p90)",
            "median time to promote", "rollbacks blamed on",
        ]
        var table: [[String]] = [header]
        for r in rows {
            let null = r.scenario.hasPrefix("none")
            table.append([
                r.judge, r.scenario, "\(r.promoted)", "\(r.rolledBack)", "\(r.inconclusive)",
                null ? String(format: "%.1f%%", r.rollbackRate * 100) : "",
                null ? "" : String(format: "%.1f%%", r.promoteRate * 100),
                null ? "" : (r.medianRequestsBeforeRollback.map { String(Int($0)) } ?? "-"),
                null ? "" : "\(r.medianRequestsServed.map { String(Int($0)) } ?? "-") (\(r.p90RequestsServed.map { String(Int($0)) } ?? "-"))",
                "\(r.medianSeconds.map(DurationText.format) ?? "-") (\(r.p90Seconds.map(DurationText.format) ?? "-"))",
                null ? (r.medianSecondsToPromote.map { DurationText.format($0) } ?? "-") : "",
                r.rollbacksBy.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
            ])
        }
        for line in TextTable.lines(table, leftAligned: [0, 1]) { print(line) }
    }
}
