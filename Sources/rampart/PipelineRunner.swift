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
            inputs = try RunAssembly.load(file: specFile)
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        if Console.reportMissingSecrets(inputs.spec, file: specFile) { throw Exit.unavailable }
        let operatorName = options.operatorName
        let request = RunRequest(
            specFile: specFile, speed: RunSpeed(options.speed) ?? .realTime, seed: options.seed, operatorName: operatorName,
            runFile: options.record, socket: options.socket, socketIsDefault: options.socket == ControlOptions.defaultSocket,
            cache: options.noCache ? nil : ResponseCache(path: options.cache), schedule: try options.schedule(operator: operatorName),
            environment: ProcessInfo.processInfo.environment, rampartVersion: Rampart.version)
        // Themes are loaded before anything runs, so a bad theme file is an input error, not a crash mid-run.
        let useDashboard = !options.headless && isatty(STDOUT_FILENO) != 0 && isatty(STDIN_FILENO) != 0
        let dashboard = useDashboard ? try ThemeSelection.load(options.theme) : nil
        let launched: LaunchedRun
        do {
            launched = try await RunAssembly.launch(inputs, request)
        } catch {
            for line in error.lines { Console.error(line) }
            switch error.kind {
            case .usage: throw Exit.usage
            case .unavailable: throw Exit.unavailable
            case .cannotWrite: throw Exit.cannotWrite
            }
        }
        let engine = launched.engine
        let outcome: RunOutcome
        let events: [RunEvent]
        let undone = UndoneBox()
        if let dashboard {
            let offer = promotionRollbackOffer(inputs, runFile: launched.runFile, operator: operatorName, undone: undone)
            (outcome, events) = await runWithDashboard(engine: engine, themes: dashboard, operator: operatorName, offer: offer)
        } else {
            (outcome, events) = await runHeadless(engine: engine, operator: operatorName)
        }
        await launched.close()
        print("")
        let rollback = undone.record
        for line in RunSummary.lines(events: events, runFile: launched.runFile, rollback: rollback) { print(line) }
        if let problem = launched.recorder.error {
            Console.error("error: the run file is incomplete: \(problem)")
            throw Exit.cannotWrite
        }
        throw Exit.outcome(rollback == nil ? outcome : .rolledBack)
    }

    /// What the dashboard may do once the run promoted: roll the promotion back at the run's
    /// router, the way `rampart rollback RUN` does; `undone` keeps the record for the summary
    /// and the exit code.
    private func promotionRollbackOffer(
        _ inputs: PipelineInputs, runFile: String, operator name: String, undone: UndoneBox
    ) -> PromotionRollbackOffer {
        let environment = ProcessInfo.processInfo.environment
        let spec = inputs.spec
        let availability: PromotionUndo
        if let canary = spec.canary {
            let redactor = Redactor(environment: environment, named: spec.secretVariables)
            if let router = RunAssembly.router(canary.router, pipeline: spec, environment: environment, redactor: redactor) {
                availability = .available(router: "\(router.name) router (\(redactor.redact(router.detail)))")
            } else {
                availability = .unavailable("the builtin proxy's traffic ends with this process; point the app at the baseline")
            }
        } else {
            availability = .unavailable("the run has no canary, so its promotion moved no traffic")
        }
        let specFile = specFile
        return PromotionRollbackOffer(availability: availability) { reason in
            let report = await PromotionRollback.perform(
                runFile: runFile, operator: name, reason: reason, environment: environment, specFile: specFile, ownPID: getpid())
            if let error = report.error { return (false, error) }
            undone.record = report.record
            let told = report.notifications.isEmpty ? "" : "; notified " + report.notifications.joined(separator: ", ")
            return (true, report.reason + told)
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

    private func runWithDashboard(
        engine: Engine, themes: ThemeSelection, operator name: String, offer: PromotionRollbackOffer
    ) async -> (RunOutcome, [RunEvent]) {
        let app = DashboardApp(
            configuration: .init(
                operatorName: name, themes: themes.themes, themeIndex: themes.index,
                noColor: !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty,
                stderrLog: ".rampart/dashboard-stderr.log", mouse: !options.noMouse, promotionRollback: offer),
            send: { engine.send($0) })
        let interrupts = InterruptHandler(operator: name, quiet: true) { app.interrupt(reason: $0.reason ?? "interrupted") }
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
                    Console.error(
                        n == 1
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

/// The promotion's rollback done from the dashboard, for the summary and the exit code.
final class UndoneBox: Sendable {
    private let value = Mutex<PromotionRollbackRecord?>(nil)

    var record: PromotionRollbackRecord? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
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
