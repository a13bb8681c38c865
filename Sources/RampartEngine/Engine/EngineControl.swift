import Foundation
import RampartCore
import RampartNet
import Synchronization

/// The engine's control socket: `rampart promote|rollback|pause|resume|status` from scripts
/// and other terminals reach the same `Engine.send` door as the dashboard's keys.
///
/// A Unix socket, created 0600: only the user running the engine (and root) can steer it, with
/// no token to leak. A command's answer waits for the engine to record it, so the caller learns
/// whether it was accepted and why, not merely that it was queued.
public final class EngineControl: Sendable {
    public let path: String
    private let server: HTTPServer
    private let shared: Shared

    /// What the bus sink and the socket handler share.
    final class Shared: Sendable {
        let state = Mutex(RunState())
        let waiters = Mutex<[(OperatorCommand, CheckedContinuation<OperatorAction?, Never>)]>([])

        /// Removes and returns the continuations waiting for `command`.
        func take(_ command: OperatorCommand) -> [CheckedContinuation<OperatorAction?, Never>] {
            waiters.withLock { w in
                let hit = w.filter { $0.0 == command }.map(\.1)
                w.removeAll { $0.0 == command }
                return hit
            }
        }
    }

    /// What `rampart status` prints.
    public struct Status: Sendable, Codable {
        public var pipeline = ""
        public var candidate = ""
        public var baseline = ""
        public var stages: [String: String] = [:]
        /// The stages in pipeline order (build, gates, canary, promote), as the run announced them.
        public var stageOrder: [String]?
        public var step: Int?
        public var steps: Int?
        public var weight = 0.0
        public var proxy: String?
        public var candidateRequests = 0
        public var lastDecision: String?
        public var outcome: String?
        public var reason: String?
        enum CodingKeys: String, CodingKey {
            case pipeline, candidate, baseline, stages, step, steps, weight, proxy, outcome, reason
            case candidateRequests = "candidate_requests"
            case lastDecision = "last_decision"
            case stageOrder = "stage_order"
        }

        public init() {}

        /// What `rampart status` reports, read from the run's state.
        public init(_ run: RunState) {
            pipeline = run.pipeline
            candidate = run.candidate
            baseline = run.baseline
            stageOrder = run.stages
            stages = run.stageStates.mapValues(\.rawValue)
            step = run.currentStep.map { $0 + 1 }
            steps = run.currentStep == nil ? nil : run.stepCount
            weight = run.weight
            proxy = run.dataPlane?.proxy
            candidateRequests = run.candidateTotal
            lastDecision = run.lastDecision
            outcome = run.finished?.outcome.rawValue
            reason = run.finished?.reason
        }

        /// Each stage with its state, in pipeline order; a stage the announcement missed comes last.
        public var orderedStages: [(stage: String, state: String)] {
            let order = stageOrder ?? []
            let known = order.filter { stages[$0] != nil }
            let rest = stages.keys.filter { !order.contains($0) }.sorted()
            return (known + rest).map { ($0, stages[$0] ?? "") }
        }
    }

    private init(path: String, server: HTTPServer, shared: Shared) {
        self.path = path
        self.server = server
        self.shared = shared
    }

    public struct Busy: Error, CustomStringConvertible {
        public let path: String
        public var description: String { "another engine is already running with control socket \(path)" }
    }

    /// Listens on `path`; refuses if a live engine already answers there (a stale file is replaced).
    /// The bind itself is the claim: of two engines starting together, the second fails to bind
    /// and is told `Busy`, rather than both binding and one silently losing the path.
    /// `answerWithin`: how long a command waits for the engine to record it before the client
    /// is told it was sent but not yet recorded (202).
    public static func start(engine: Engine, path: String, answerWithin: Double = 30) async throws -> EngineControl {
        if FileManager.default.fileExists(atPath: path) {
            if await EngineControl.answers(path) { throw Busy(path: path) }
            unlink(path)
        }
        try PrivateState.directory(containing: path)
        let shared = Shared()
        engine.bus.addSink { event in
            EngineControl.observe(event, shared: shared)
            if case .operatorAction(let a) = event.body {
                for c in shared.take(a.command) { c.resume(returning: a) }
            }
            if case .finished = event.body {
                for (_, c) in shared.waiters.withLock({ w in
                    defer { w.removeAll() }; return w
                }) { c.resume(returning: nil) }
            }
        }
        let umask0 = umask(0o077)
        defer { umask(umask0) }
        let server: HTTPServer
        do {
            server = try await HTTPServer.start(.unix(path: path), idleTimeout: EngineControl.idleTimeout) { request in
                await EngineControl.handle(request, engine: engine, shared: shared, answerWithin: answerWithin)
            }
        } catch  where FileManager.default.fileExists(atPath: path) {
            throw Busy(path: path)
        }
        return EngineControl(path: path, server: server, shared: shared)
    }

    /// Whether a live engine listens on `path` (it accepts a connection). Only connecting, not
    /// waiting for an answer: an engine slowed by a loaded machine is still live, and taking its
    /// socket for a stale file would let two runs share one path.
    public static func answers(_ path: String) async -> Bool {
        await ControlClient.listening(socket: path)
    }

    public func stop() async {
        await server.stop()
        unlink(path)
    }

    static func observe(_ event: RunEvent, shared: Shared) {
        shared.state.withLock { $0.apply(event) }
    }

    static func answer(_ status: Int, _ answer: ControlCommandAnswer) -> HTTPResponseMessage {
        let data = (try? JSONEncoder().encode(answer)) ?? Data(#"{"note":"cannot encode the answer"}"#.utf8)
        return .json(status, String(decoding: data, as: UTF8.self))
    }

    /// A connection that opens and sends nothing is closed after this many seconds.
    static let idleTimeout = 10.0

    static func handle(
        _ request: HTTPRequestMessage, engine: Engine, shared: Shared, answerWithin: Double
    ) async -> HTTPResponseMessage {
        switch (request.method, request.path) {
        case ("GET", "/status"):
            let s = Status(shared.state.withLock { $0 })
            let data = (try? RunFileCodec.encoder().encode(s)) ?? Data("{}".utf8)
            return .json(200, String(decoding: data, as: UTF8.self))
        case ("POST", "/command"):
            let asked: ControlCommandRequest
            switch ControlCommandRequest.decode(request.body) {
            case .success(let r): asked = r
            case .failure(let refusal): return .error(400, refusal.description)
            }
            if let ended = shared.state.withLock({ $0.finished }) {
                let file = engine.options.runFile ?? "RUN"
                let undo =
                    ended.outcome == .promoted && asked.kind == .rollback
                    ? ": `rampart rollback \(file)` rolls the promotion back at its router" : ""
                return .error(409, "the run has finished \(ended.outcome.rawValue.uppercased())\(undo)")
            }
            let command = asked.command(peerUID: request.peerUID)
            let action: OperatorAction? = await withTaskGroup(of: OperatorAction?.self) { group in
                group.addTask {
                    await withCheckedContinuation { c in
                        shared.waiters.withLock { $0.append((command, c)) }
                        engine.send(command)
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(answerWithin))
                    return nil
                }
                let first = await group.next() ?? nil
                if first == nil {
                    // Timed out: release the waiter so its continuation is not leaked.
                    for c in shared.take(command) { c.resume(returning: nil) }
                }
                group.cancelAll()
                return first
            }
            guard let action else {
                return answer(202, ControlCommandAnswer(accepted: nil, note: "sent; the engine has not recorded it yet (it may be finishing)"))
            }
            return answer(action.accepted ? 200 : 409, ControlCommandAnswer(accepted: action.accepted, note: action.note))
        default:
            return .error(404, "control routes: GET /status, POST /command")
        }
    }
}
