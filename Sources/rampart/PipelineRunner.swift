import ArgumentParser
import Foundation
import RampartCore
import RampartEngine
import RampartTUI
import Synchronization

/// Wires a run together: load and validate inputs, open the recorder, start the engine, print
/// events, and turn the outcome into the exit code.
struct PipelineRunner {
    let specFile: String
    let options: RunOptionsGroup

    func run() async throws {
        let inputs: PipelineInputs
        do {
            inputs = try PipelineInputs.load(file: specFile)
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        let spec = inputs.spec
        if Console.reportMissingSecrets(spec, file: specFile) { throw Exit.unavailable }
        try refuseFastRealTraffic(spec)
        // A run that died with its canary live may have left traffic on the candidate: no new
        // canary starts until that is put right.
        let crashed = RunLock.crashed()
        guard crashed.isEmpty else {
            for lock in crashed { Console.error("error: \(lock.summary); its traffic may still be on the candidate") }
            Console.error("run `rampart recover` to put that traffic where its run file says it belongs, then start again")
            throw Exit.unavailable
        }
        let operatorName = options.operatorName
        let seed = options.seed ?? spec.seed
        let runFile = options.record ?? ".rampart/runs/\(Timestamp.compact())-\(spec.name).jsonl"

        let header = RunHeader(
            pipeline: spec.name, specFile: specFile, specSHA256: inputs.specSHA256,
            baseline: record(spec.baseline, inputs), candidate: record(spec.candidate, inputs),
            git: GitProbe.info(directory: spec.directory), operator: operatorName, host: ProcessInfo.processInfo.hostName,
            startedAt: Timestamp.now(), seed: seed, rampartVersion: Rampart.version)
        let recorder: RunRecorder
        do {
            recorder = try RunRecorder(path: runFile, header: header)
        } catch {
            Console.error("error: \(error)")
            throw Exit.cannotWrite
        }
        // Held while the run can move traffic; released once the outcome is on disk. A kill -9
        // leaves it behind for `rampart recover`.
        var lock: RunLock?
        if let canary = spec.canary {
            func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p }
            let router = canary.router == .builtin ? "builtin" : "\(canary.router.name) \(RouterFactory.make(canary.router, pipeline: spec, redactor: Redactor(environment: [:], named: []))?.detail ?? "")"
            let claim = RunLock(
                pid: getpid(), host: ProcessInfo.processInfo.hostName, runFile: absolute(runFile), specFile: absolute(specFile),
                specSHA256: inputs.specSHA256, router: router, startedAt: Timestamp.now())
            do {
                try claim.write()
                lock = claim
            } catch {
                Console.error("error: cannot record the run's lock: \(error)")
                throw Exit.cannotWrite
            }
        }
        defer { lock?.remove() }

        let clock: any EngineClock = options.speed == "max" ? VirtualClock() : WallClock(speed: Double(options.speed) ?? 1)
        let (dataPlane, trafficNote) = try await startDataPlane(inputs, seed: seed)
        // A second run in the same directory gets a socket of its own rather than failing; its
        // path is in the run's first event.
        var socket = options.socket
        let ownSocket = ".rampart/engine-\(getpid()).sock"
        if socket == ControlOptions.defaultSocket, await EngineControl.answers(socket) {
            socket = ownSocket
        }
        var runOptions = RunOptions(
            seed: seed, operator: operatorName, schedule: try options.schedule(operator: operatorName), runFile: runFile,
            cache: options.noCache ? nil : ResponseCache(path: options.cache), trafficNote: trafficNote)
        runOptions.environment = ProcessInfo.processInfo.environment
        var engine: Engine
        let control: EngineControl
        while true {
            runOptions.controlSocket = socket
            engine = Engine(inputs: inputs, clock: clock, options: runOptions, dataPlane: dataPlane)
            do {
                control = try await EngineControl.start(engine: engine, path: socket)
                break
            } catch is EngineControl.Busy where socket != ownSocket && options.socket == ControlOptions.defaultSocket {
                // Another run in this directory claimed the shared socket between the check
                // above and now: this one takes a socket of its own, as if it had been second.
                socket = ownSocket
            } catch {
                await dataPlane?.stop()
                Console.error("error: cannot open the control socket: \(error)")
                throw Exit.unavailable
            }
        }
        engine.bus.addSink { recorder.record($0) }

        let useDashboard = !options.headless && isatty(STDOUT_FILENO) != 0 && isatty(STDIN_FILENO) != 0
        // Themes are loaded before anything runs, so a bad theme file is an input error, not a crash mid-run.
        let dashboard = useDashboard ? try ThemeSelection.load(options.theme) : nil
        let outcome: RunOutcome
        let events: [RunEvent]
        if let dashboard {
            (outcome, events) = await runWithDashboard(engine: engine, themes: dashboard, operator: operatorName)
        } else {
            (outcome, events) = await runHeadless(engine: engine, operator: operatorName)
        }
        await control.stop()
        await dataPlane?.stop()
        print("")
        for line in RunSummary.lines(events: events, runFile: runFile) { print(line) }
        if let problem = recorder.error {
            Console.error("error: the run file is incomplete: \(problem)")
            throw Exit.cannotWrite
        }
        throw Exit.outcome(outcome)
    }

    /// A faster clock cannot speed up a real model: `--speed max` or `10` with an `openai`
    /// version would send real requests (gates, canary) at machine speed while the log claimed a
    /// simulation. Refused before anything is sent.
    private func refuseFastRealTraffic(_ spec: PipelineSpec) throws {
        guard Double(options.speed) != 1 else { return }
        let real = [("baseline", spec.baseline), ("candidate", spec.candidate)].filter { $0.1.provider != .sim }
        guard !real.isEmpty else { return }
        let names = real.map { "\($0.0) (\($0.1.provider.rawValue) \($0.1.label))" }.joined(separator: " and ")
        Console.error("error: --speed \(options.speed) would send real requests to \(names) faster than real time; use --speed 1, or `rampart eval` for the gates alone")
        throw Exit.usage
    }

    /// The HTTP data plane, when the spec sends canary traffic over the network and the clock is
    /// real time. Faster clocks cannot speed up real requests, so they simulate traffic in process
    /// and say so in the run.
    private func startDataPlane(_ inputs: PipelineInputs, seed: UInt64) async throws -> (DataPlane?, String?) {
        guard let canary = inputs.spec.canary, canary.traffic.source != .sim else { return (nil, nil) }
        guard Double(options.speed) == 1 else {
            if canary.traffic.source == .external {
                Console.error("error: traffic source 'external' needs real time: drop --speed \(options.speed)")
                throw Exit.usage
            }
            if canary.metricsSource != .observations {
                Console.error("error: metrics from \(canary.metricsSource.name) are read in real time: drop --speed \(options.speed)")
                throw Exit.usage
            }
            if canary.router != .builtin {
                Console.error("error: the \(canary.router.name) router moves real traffic, which cannot be sped up: drop --speed \(options.speed)")
                throw Exit.usage
            }
            return (nil, "--speed \(options.speed): real HTTP requests cannot be sped up, so canary traffic is simulated in process")
        }
        do {
            return (try await DataPlane.start(inputs: inputs, seed: seed), nil)
        } catch {
            Console.error("error: cannot start the canary data plane: \(error)")
            throw Exit.unavailable
        }
    }

    private func runHeadless(engine: Engine, operator name: String) async -> (RunOutcome, [RunEvent]) {
        let interrupts = InterruptHandler(operator: name) { engine.send($0) }
        defer { interrupts.cancel() }
        let printer = Task {
            for await event in engine.bus.subscribe() {
                if case .observations = event.body { continue }
                print(EventLine.format(event))
            }
        }
        let outcome = await engine.run()
        await printer.value
        return (outcome, engine.bus.events)
    }

    private func runWithDashboard(engine: Engine, themes: ThemeSelection, operator name: String) async -> (RunOutcome, [RunEvent]) {
        let app = DashboardApp(
            configuration: .init(
                operatorName: name, themes: themes.themes, themeIndex: themes.index,
                noColor: !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty,
                stderrLog: ".rampart/dashboard-stderr.log"),
            send: { engine.send($0) })
        let interrupts = InterruptHandler(operator: name, quiet: true) { _ in app.interrupt() }
        defer { interrupts.cancel() }
        let forwarder = Task { await app.forward(engine.bus.subscribe()) }
        async let outcome = engine.run()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let ui = Thread {
                app.runLoop()
                done.resume()
            }
            ui.name = "rampart-dashboard"
            ui.start()
        }
        let result = await outcome
        await forwarder.value
        return (result, engine.bus.events)
    }

    private func record(_ v: VariantSpec, _ inputs: PipelineInputs) -> VariantRecord {
        func hash(_ path: String?) -> String? { path.flatMap { inputs.files[$0] }.map { SHA256.hex(Array($0.utf8)) } }
        return VariantRecord(
            provider: v.provider.rawValue, model: v.model, version: v.version,
            promptTemplateSHA256: hash(v.promptTemplate), guardrailsSHA256: hash(v.guardrails))
    }
}

/// Ctrl-C, SIGTERM or SIGHUP (a closed terminal) asks the engine to abort, which puts traffic
/// back on the baseline and records the outcome. Another signal while that is under way never
/// skips it: traffic must not be left at the canary's weight because someone pressed Ctrl-C twice.
/// The wait is bounded by the router's own timeout.
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(operator name: String, quiet: Bool = false, abort: @escaping @Sendable (OperatorCommand) -> Void) {
        var sources: [any DispatchSourceSignal] = []
        let count = Counter()
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { @Sendable in
                let n = count.increment()
                if !quiet {
                    Console.error(n == 1
                        ? "rampart: interrupted; rolling traffic back to the baseline before exiting"
                        : "rampart: still rolling traffic back to the baseline; exiting as soon as it is there")
                }
                let why = sig == SIGINT ? "interrupted (SIGINT)" : (sig == SIGTERM ? "terminated (SIGTERM)" : "hung up (SIGHUP: the terminal closed)")
                abort(OperatorCommand(.abort, operator: name, reason: why))
            }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        for s in sources { s.cancel() }
    }
}

final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int {
        value.withLock { v in
            v += 1
            return v
        }
    }
}

/// The commit and dirty flag of the spec's work tree, for the audit record; nil outside git.
enum GitProbe {
    static func info(directory: String) -> GitInfo? {
        guard let commit = git(["rev-parse", "HEAD"], in: directory)?.trimmingCharacters(in: .whitespacesAndNewlines), !commit.isEmpty else {
            return nil
        }
        let status = git(["status", "--porcelain"], in: directory) ?? ""
        return GitInfo(commit: commit, dirty: !status.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }

    private static func git(_ args: [String], in directory: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", directory] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return p.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }
}
