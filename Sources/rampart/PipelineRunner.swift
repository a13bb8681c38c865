import ArgumentParser
import Foundation
import RampartCore
import RampartEngine
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

        let clock: any EngineClock = options.speed == "max" ? VirtualClock() : WallClock(speed: Double(options.speed) ?? 1)
        let engine = Engine(
            inputs: inputs, clock: clock,
            options: RunOptions(seed: seed, operator: operatorName, schedule: try options.schedule(operator: operatorName), runFile: runFile))
        engine.bus.addSink { recorder.record($0) }

        if !options.headless && isatty(STDOUT_FILENO) != 0 {
            Console.error("rampart: the live dashboard is not available yet; running headless (use --headless to silence this).")
        }
        let interrupts = InterruptHandler(engine: engine, operator: operatorName)
        let printer = Task {
            var events: [RunEvent] = []
            for await event in engine.bus.subscribe() {
                events.append(event)
                print(EventLine.format(event))
            }
            return events
        }
        let outcome = await engine.run()
        let events = await printer.value
        interrupts.cancel()
        print("")
        for line in RunSummary.lines(events: events, runFile: runFile) { print(line) }
        if let problem = recorder.error {
            Console.error("error: the run file is incomplete: \(problem)")
            throw Exit.cannotWrite
        }
        throw Exit.outcome(outcome)
    }

    private func record(_ v: VariantSpec, _ inputs: PipelineInputs) -> VariantRecord {
        func hash(_ path: String?) -> String? { path.flatMap { inputs.files[$0] }.map { SHA256.hex(Array($0.utf8)) } }
        return VariantRecord(
            provider: v.provider.rawValue, model: v.model, version: v.version,
            promptTemplateSHA256: hash(v.promptTemplate), guardrailsSHA256: hash(v.guardrails))
    }
}

/// Ctrl-C or SIGTERM asks the engine to abort, which puts traffic back on the baseline and
/// records the outcome; a second signal exits at once.
final class InterruptHandler {
    private let sources: [any DispatchSourceSignal]

    init(engine: Engine, operator name: String) {
        var sources: [any DispatchSourceSignal] = []
        let count = Counter()
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { @Sendable in
                if count.increment() > 1 { exit(130) }
                Console.error("rampart: interrupted; rolling traffic back to the baseline (press again to quit at once)")
                engine.send(OperatorCommand(.abort, operator: name, reason: sig == SIGINT ? "interrupted (SIGINT)" : "terminated (SIGTERM)"))
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
