import ArgumentParser
import Foundation
import RampartCore
import RampartEngine

struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Run only the gates of a spec, for any CI: exit 0 when every gate passes, 1 otherwise.",
        discussion: """
            Gate responses are cached in .rampart/cache/responses.jsonl (keyed by provider, model version, \
            prompt, item and repeat), so an unchanged gate re-runs without calling the provider. \
            A request that fails after its retries is an error, never a score: its gate is ERROR (blocking) \
            unless the gate sets max_error_rate.

            Exit codes: 0 pass, 1 a gate failed, was inconclusive (unless on_inconclusive: pass) or errored, \
            64 usage, 65 invalid input (also: the endpoint rejects every request as malformed or for an \
            unknown model), 69 a model endpoint cannot be reached or refuses the credentials (or an API \
            key variable is not set), 74 a report cannot be written.
            """
    )

    @Argument(help: "The pipeline spec (YAML).")
    var spec: String

    @Option(help: "Write a JUnit XML report here (one testcase per gate and per item).")
    var junit: String?

    @Option(help: "Write a JSON report here (per-item scores, verdicts, signatures).")
    var json: String?

    @Option(
        help: ArgumentHelp(
            "Also print CI annotations: 'github' writes workflow commands, so a blocking gate and its failing items (at their dataset lines) show on the pull request.",
            valueName: "github"))
    var annotations: Annotations?

    enum Annotations: String, ExpressibleByArgument, CaseIterable {
        case github
    }

    @Flag(help: "Print, per gate, the smallest regression each check can detect and the items needed to decide.")
    var plan = false

    @Option(help: "Seed for the simulator (default: the spec's seed).")
    var seed: UInt64?

    @Option(help: "Response cache file.")
    var cache: String = ".rampart/cache/responses.jsonl"

    @Flag(help: "Do not read or write the response cache.")
    var noCache = false

    func run() async throws {
        let inputs: PipelineInputs
        do {
            inputs = try RunAssembly.load(file: spec)
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        let s = inputs.spec
        guard !s.gates.isEmpty else {
            Console.error("error: \(spec): the spec has no gates to evaluate")
            throw Exit.invalidInput
        }
        if Console.reportMissingSecrets(s, file: spec, gatesOnly: true) { throw Exit.unavailable }
        let responseCache = noCache ? nil : ResponseCache(path: cache)
        var options = RunOptions(seed: seed ?? s.seed, operator: "eval", cache: responseCache)
        options.environment = ProcessInfo.processInfo.environment
        let engine = Engine(inputs: inputs, clock: VirtualClock(), options: options)
        let started = Date()
        let timer = GateTimer(engine.bus.subscribe(), gates: s.gates.map(\.name))
        _ = await engine.run(.gates)
        let seconds = await timer.seconds()
        let reports = GateReport.collect(engine.bus.events)
        printVerdicts(reports)
        if annotations == .github {
            let lines = DatasetLines(gates: s.gates)
            for line in GitHubAnnotations.lines(reports, locate: lines.locate) { print(line) }
        }
        if plan { printPlan(reports) }
        if let responseCache {
            print("cache: \(responseCache.hits) responses reused, \(responseCache.misses) requested (\(responseCache.path))")
        }
        try writeReports(inputs, reports, started: started, seconds: seconds)
        try exit(for: reports, spec: inputs.spec)
    }

    /// Each gate's verdict line, and the first few items below their mark.
    private func printVerdicts(_ reports: [GateReport]) {
        for r in reports {
            print(EventLine.text(.gate(r.result)).trimmingCharacters(in: .whitespaces))
            if r.result.verdict == .error { continue }
            for item in r.items.filter({ !$0.passed }).prefix(5) {
                print("    \(item.id): \(item.detail ?? "missed")")
            }
            let missed = r.items.filter { !$0.passed }.count
            if missed > 5 { print("    … and \(missed - 5) more items below their mark (see --json)") }
        }
    }

    private func writeReports(_ inputs: PipelineInputs, _ reports: [GateReport], started: Date, seconds: [String: Double]) throws {
        let s = inputs.spec
        do {
            // A report path in a directory that is not there yet (reports/gates.xml in a fresh
            // CI checkout) gets its directory, as run files do.
            for path in [json, junit].compactMap({ $0 }) {
                let directory = (path as NSString).deletingLastPathComponent
                if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            }
            if let json {
                try EvalReports.json(
                    pipeline: s.name, candidate: s.candidate.label, baseline: s.baseline.label, seed: seed ?? s.seed, gates: s.gates, reports: reports
                )
                .write(to: URL(fileURLWithPath: json))
            }
            if let junit {
                let signatures = EvalReports.signatures(s.gates)
                let context = JUnitContext(
                    timestamp: JUnitContext.timestamp(started), hostname: ProcessInfo.processInfo.hostName, seconds: seconds,
                    properties: [
                        .init("pipeline", s.name), .init("candidate", s.candidate.label), .init("baseline", s.baseline.label),
                        .init("seed", String(seed ?? s.seed)), .init("spec_sha256", inputs.specSHA256), .init("rampart_version", Rampart.version),
                    ],
                    gateProperties: Dictionary(
                        s.gates.map { g in
                            (
                                g.name,
                                [
                                    .init("kind", g.kind.rawValue), .init("dataset", DatasetLines.relative(g.dataset)),
                                    .init("samples", String(g.samples)), .init("scorer", signatures[g.name] ?? ""),
                                ]
                            )
                        }, uniquingKeysWith: { a, _ in a }))
                try EvalReports.junit(pipeline: s.name, reports: reports, context: context).write(toFile: junit, atomically: true, encoding: .utf8)
            }
        } catch {
            Console.error("error: cannot write the report: \(error.localizedDescription)")
            throw Exit.cannotWrite
        }
    }

    /// 0 when every gate passed; 69 when an endpoint cannot be used (not a verdict on the
    /// candidate); 65 when every failure is a request the endpoint rejects (the spec is what to
    /// fix); 1 otherwise.
    private func exit(for reports: [GateReport], spec s: PipelineSpec) throws {
        let blocking = reports.filter { !$0.result.passed }
        if blocking.isEmpty {
            print("PASS: all \(reports.count) gates passed")
            return
        }
        let errored = blocking.filter { $0.result.verdict == .error }
        print((errored.isEmpty ? "FAIL: " : "ERROR: ") + blocking.map { "\($0.result.name) \($0.result.verdict.rawValue)" }.joined(separator: ", "))
        // An endpoint that cannot be reached or refuses the credentials is not a verdict on the
        // candidate: it is a service that is unavailable, and CI should say so.
        let causes = errored.compactMap(\.result.errors)
        if let refused = causes.first(where: \.refusesService) {
            Console.error("error: \(refused.variant.rawValue) endpoint unavailable: \(refused.first.description)")
            throw Exit.unavailable
        }
        // Every request refused as malformed or for an unknown model: the spec is what to fix.
        if !causes.isEmpty, causes.allSatisfy(\.rejectsRequest), let first = causes.first {
            Console.error(
                "error: \(first.variant.rawValue) endpoint rejects the requests: \(first.first.description) (check \((first.variant == .candidate ? s.candidate : s.baseline).provider == .bedrock ? "bedrock.model_id and the region" : "the model id and base_url") in the spec)"
            )
            throw Exit.invalidInput
        }
        throw ExitCode(1)
    }

    private func printPlan(_ reports: [GateReport]) {
        print("")
        print("plan (95% intervals; detectable change at alpha 0.05 two-sided, power 0.8):")
        let headers = ["gate", "check", "n", "estimate", "±95%", "detectable", "to decide", "blocks", "slack"]
        print(
            "  "
                + headers.enumerated().map { i, h in
                    i < 2
                        ? h.padding(toLength: i == 0 ? 20 : 18, withPad: " ", startingAt: 0) : String(repeating: " ", count: max(0, 11 - h.count)) + h
                }.joined())
        let lines = GatePlan.lines(reports)
        for l in lines {
            let decide = l.itemsToDecide.map { "~\($0) items" } ?? (l.verdict == .inconclusive ? "no size" : "decided")
            let cells = [
                String(l.n), String(format: "%.3f", l.estimate), String(format: "%.3f", l.halfWidth), String(format: "%.3f", l.detectable), decide,
                String(format: "%.1f%%", l.blockChance * 100), l.slack.map { "\($0) item\($0 == 1 ? "" : "s")" } ?? "-",
            ]
            print(
                "  " + l.gate.padding(toLength: 20, withPad: " ", startingAt: 0) + l.threshold.padding(toLength: 18, withPad: " ", startingAt: 0)
                    + cells.map { String(repeating: " ", count: max(0, 11 - $0.count)) + $0 }.joined())
        }
        let pass = GatePlan.passChance(lines)
        print("  blocks: chance a rerun blocks on the check (fails or is inconclusive) if the candidate is as good as measured;")
        print("  slack: items that could go the other way before a passing rate check blocks (0: one more bad item blocks).")
        print(
            "  All gates together pass such a candidate in \(String(format: "%.1f", pass * 100)) % of runs\(pass < 0.95 ? ": below 95 %; add items to the checks that block most" : "")."
        )
        let fragile = lines.filter { $0.slack == 0 }.map { "\($0.gate) \($0.threshold)" }
        if !fragile.isEmpty {
            print("  One more bad item blocks: \(fragile.joined(separator: ", ")); a larger set gives room.")
        }
    }
}

/// Wall seconds each gate took, from its stage events as they happen: the engine's clock is
/// virtual in `eval`, and CI wants the time it waited.
struct GateTimer {
    private let task: Task<[String: Double], Never>

    init(_ events: AsyncStream<RunEvent>, gates: [String]) {
        let byStage = Dictionary(gates.map { (StageName.gate($0), $0) }, uniquingKeysWith: { a, _ in a })
        task = Task {
            var began: [String: Date] = [:]
            var took: [String: Double] = [:]
            for await e in events {
                guard case .stage(let c) = e.body, let gate = byStage[c.stage] else { continue }
                if c.state == .running { began[gate] = Date() } else if let t = began[gate] { took[gate] = Date().timeIntervalSince(t) }
            }
            return took
        }
    }

    func seconds() async -> [String: Double] { await task.value }
}
