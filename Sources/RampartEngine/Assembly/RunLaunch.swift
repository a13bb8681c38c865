import Foundation
import RampartCore

/// What `rampart run` asks for, from its flags and the process it runs in.
public struct RunRequest: Sendable {
    public var specFile: String
    public var speed: RunSpeed
    /// Overrides the spec's seed.
    public var seed: UInt64?
    public var operatorName: String
    /// Where to record; nil: `.rampart/runs/<time>-<pipeline>.jsonl`.
    public var runFile: String?
    /// The control socket asked for. The shared default is given up for one of the run's own
    /// when another run in the same directory holds it; a socket named explicitly never is.
    public var socket: String
    public var socketIsDefault: Bool
    public var cache: ResponseCache?
    public var schedule: [ScheduledCommand]
    /// What the run may read: secrets to mask, a backend's token, a webhook's URL.
    public var environment: [String: String]
    public var rampartVersion: String

    public init(
        specFile: String, speed: RunSpeed = .realTime, seed: UInt64? = nil, operatorName: String, runFile: String? = nil,
        socket: String, socketIsDefault: Bool, cache: ResponseCache? = nil, schedule: [ScheduledCommand] = [],
        environment: [String: String], rampartVersion: String
    ) {
        self.specFile = specFile
        self.speed = speed
        self.seed = seed
        self.operatorName = operatorName
        self.runFile = runFile
        self.socket = socket
        self.socketIsDefault = socketIsDefault
        self.cache = cache
        self.schedule = schedule
        self.environment = environment
        self.rampartVersion = rampartVersion
    }
}

/// Why a run could not start. Nothing is left behind: no lock, no listener, no moved traffic.
public struct LaunchFailure: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// The flags ask for something the spec cannot do (exit 64).
        case usage
        /// Something the run needs is not there: a crashed run to recover first, a port, the
        /// control socket (exit 69).
        case unavailable
        /// The run file or the run's lock cannot be written (exit 74).
        case cannotWrite
    }

    public var kind: Kind
    /// One `error: …` line each, ready to print.
    public var lines: [String]

    public var description: String { lines.joined(separator: "\n") }
}

/// A run ready to start: its engine listens on its control socket, records to its run file
/// and holds the lock that lets `rampart recover` undo a crash. `close()` lets them go.
public struct LaunchedRun: Sendable {
    public let engine: Engine
    public let recorder: RunRecorder
    public let runFile: String
    let control: EngineControl
    let lock: RunLock?

    /// Stops the control socket and the data plane, then releases the lock: after the outcome
    /// is on disk, so a crash in between still leaves the lock for `rampart recover`.
    public func close() async {
        await control.stop()
        await engine.dataPlane?.stop()
        lock?.remove()
    }
}

extension RunAssembly {
    /// Everything `rampart run` does before the first event: refuse what cannot run, refuse to
    /// start over a crashed run's traffic, open the run file and the lock, start the data plane,
    /// build the parts and the engine, and take the control socket.
    public static func launch(_ inputs: PipelineInputs, _ request: RunRequest) async throws(LaunchFailure) -> LaunchedRun {
        let spec = inputs.spec
        if let refusal = request.speed.refusal(for: spec) { throw LaunchFailure(kind: .usage, lines: ["error: \(refusal)"]) }
        // A run that died with its canary live may have left traffic on the candidate: no new
        // canary starts until that is put right.
        let crashed = RunLock.crashed()
        guard crashed.isEmpty else {
            throw LaunchFailure(
                kind: .unavailable,
                lines: crashed.map { "error: \($0.summary); its traffic may still be on the candidate" }
                    + ["run `rampart recover` to put that traffic where its run file says it belongs, then start again"])
        }
        let seed = request.seed ?? spec.seed
        let runFile = request.runFile ?? ".rampart/runs/\(Timestamp.compact())-\(spec.name).jsonl"
        let recorder: RunRecorder
        do {
            recorder = try RunRecorder(path: runFile, header: await header(inputs, request, seed: seed))
        } catch {
            throw LaunchFailure(kind: .cannotWrite, lines: ["error: \(error)"])
        }
        var options = RunOptions(
            seed: seed, operator: request.operatorName, schedule: request.schedule, runFile: runFile, cache: request.cache,
            trafficNote: request.speed.trafficNote(for: spec))
        options.environment = request.environment
        // Built before anything listens: building starts nothing, and the lock names the router.
        var parts = RunAssembly.parts(inputs: inputs, options: options)
        let lock = try claimLock(inputs, request, runFile: runFile, router: parts.router)
        let dataPlane: DataPlane?
        do {
            dataPlane = try await startDataPlane(inputs, speed: request.speed, seed: seed, environment: request.environment)
        } catch {
            lock?.remove()
            throw LaunchFailure(kind: .unavailable, lines: ["error: cannot start the canary data plane: \(error)"])
        }
        let clock = request.speed.clock()
        parts.dataPlane = dataPlane
        do {
            let (engine, control) = try await controlled(inputs, clock: clock, options: options, parts: parts, request: request)
            engine.bus.addSink { recorder.record($0) }
            return LaunchedRun(engine: engine, recorder: recorder, runFile: runFile, control: control, lock: lock)
        } catch {
            await dataPlane?.stop()
            lock?.remove()
            throw LaunchFailure(kind: .unavailable, lines: ["error: cannot open the control socket: \(error)"])
        }
    }

    /// The audit record's first line: what is going out, from which commit, by whom.
    static func header(_ inputs: PipelineInputs, _ request: RunRequest, seed: UInt64) async -> RunHeader {
        let spec = inputs.spec
        func record(_ v: VariantSpec) -> VariantRecord {
            func hash(_ path: String?) -> String? { path.flatMap { inputs.files[$0] }.map { SHA256.hex(Array($0.utf8)) } }
            return VariantRecord(
                provider: v.provider.rawValue, model: v.model, version: v.version,
                promptTemplateSHA256: hash(v.promptTemplate), guardrailsSHA256: hash(v.guardrails))
        }
        return RunHeader(
            pipeline: spec.name, specFile: request.specFile, specSHA256: inputs.specSHA256,
            baseline: record(spec.baseline), candidate: record(spec.candidate),
            git: await GitProbe.info(directory: spec.directory), operator: request.operatorName, host: ProcessInfo.processInfo.hostName,
            startedAt: Timestamp.now(), seed: seed, rampartVersion: request.rampartVersion)
    }

    /// Held while the run can move traffic; released once the outcome is on disk. A kill -9
    /// leaves it behind for `rampart recover`. Only a canary moves traffic.
    static func claimLock(
        _ inputs: PipelineInputs, _ request: RunRequest, runFile: String, router external: (any TrafficRouter)?
    ) throws(LaunchFailure) -> RunLock? {
        guard inputs.spec.canary != nil else { return nil }
        func absolute(_ p: String) -> String { p.hasPrefix("/") ? p : FileManager.default.currentDirectoryPath + "/" + p }
        let claim = RunLock(
            pid: getpid(), host: ProcessInfo.processInfo.hostName, runFile: absolute(runFile), specFile: absolute(request.specFile),
            specSHA256: inputs.specSHA256, router: external.map { "\($0.name) \($0.detail)" } ?? "builtin", startedAt: Timestamp.now())
        do {
            try claim.write()
        } catch {
            throw LaunchFailure(kind: .cannotWrite, lines: ["error: cannot record the run's lock: \(error)"])
        }
        return claim
    }

    /// The HTTP data plane, when the spec sends canary traffic over the network and the clock is
    /// real time; a faster clock simulates that traffic in process (`RunSpeed.trafficNote`).
    static func startDataPlane(_ inputs: PipelineInputs, speed: RunSpeed, seed: UInt64, environment: [String: String]) async throws -> DataPlane? {
        guard speed.isRealTime, let canary = inputs.spec.canary, canary.traffic.source != .sim else { return nil }
        return try await DataPlane.start(inputs: inputs, seed: seed, environment: environment)
    }

    /// The engine listening on its control socket. A second run in the same directory gets a
    /// socket of its own rather than failing; its path is in the run's first event.
    static func controlled(
        _ inputs: PipelineInputs, clock: any EngineClock, options: RunOptions, parts: RunParts, request: RunRequest
    ) async throws -> (Engine, EngineControl) {
        var socket = request.socket
        let ownSocket = ".rampart/engine-\(getpid()).sock"
        if request.socketIsDefault, await EngineControl.answers(socket) { socket = ownSocket }
        var options = options
        while true {
            options.controlSocket = socket
            let engine = Engine(inputs: inputs, clock: clock, options: options, parts: parts)
            do {
                return (engine, try await EngineControl.start(engine: engine, path: socket))
            } catch is EngineControl.Busy where socket != ownSocket && request.socketIsDefault {
                // Another run in this directory claimed the shared socket between the check
                // above and now: this one takes a socket of its own, as if it had been second.
                socket = ownSocket
            }
        }
    }
}
