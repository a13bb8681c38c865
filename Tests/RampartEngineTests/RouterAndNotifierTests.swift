import Foundation
import RampartCore
import RampartNet
import RampartTestSupport
import Synchronization
import Testing

@testable import RampartEngine

@Suite struct RouterTests {
    @Test func theFileRouterWritesAWholeFlagDocumentEachTime() async throws {
        let path = (Paths.temporaryDirectory() as NSString).appendingPathComponent("flags.json")
        let router = FileRouter(path: path, baseline: "m@1", candidate: "m@2")
        for w in [5.0, 12.5, 100, 0] {
            try await router.setWeight(w)
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
            #expect((object["canary_weight"] as! NSNumber).doubleValue == w)
            #expect(object["candidate"] as? String == "m@2")
            // What the router writes is what `rampart proxy --weight-file` reads.
            #expect(FlagDocument.weight(inFile: path) == .success(w))
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(leftovers == ["flags.json"], "no temporary files are left behind")
        let missing = FileRouter(path: "/nonexistent-dir/flags.json", baseline: "a", candidate: "b")
        await #expect { try await missing.setWeight(5) } throws: { "\($0)".contains("/nonexistent-dir") }
    }

    @Test func theCommandRouterSubstitutesTheWeightAndReportsFailures() async throws {
        let dir = Paths.temporaryDirectory()
        let router = CommandRouter(command: "echo {weight} >> weights.txt", directory: dir, timeout: 60)
        try await router.setWeight(5)
        try await router.setWeight(12.5)
        #expect(try String(contentsOfFile: dir + "/weights.txt", encoding: .utf8) == "5\n12.5\n")
        let failing = CommandRouter(command: "echo 'alias not found' >&2; exit 3 # {weight}", directory: dir, timeout: 60)
        await #expect { try await failing.setWeight(20) } throws: { "\($0)".contains("exited 3: alias not found") }
        let hanging = CommandRouter(command: "sleep 5 # {weight}", directory: dir, timeout: 0.2)
        await #expect { try await hanging.setWeight(20) } throws: { "\($0)".contains("timed out") }
    }

    @Test func aRouterFailureForcesWeightZeroAndEndsTheCanaryLoudly() async throws {
        let dir = Paths.temporaryDirectory()
        // Accepts 10% and 0%, fails at 25% (the second step), like a cloud API rejecting a change.
        let command = "test {weight} -lt 20 && echo {weight} >> \(dir)/applied.txt || { echo 'throttled by the API' >&2; exit 1; }"
        let h = try Harness { spec in
            spec.canary!.router = .command(run: command, timeout: 60)
            spec.canary!.traffic.source = .sim
        }
        let engine = Engine(inputs: h.inputs, clock: VirtualClock(), options: RunOptions(seed: 42, operator: "tester"))
        let outcome = await engine.run()
        let events = engine.bus.events
        let reports = events.compactMap { if case .router(let r) = $0.body { r } else { nil } }
        #expect(outcome == .rolledBack)
        try #require(reports.count == 3)
        #expect(reports.map(\.weight) == [10, 25, 0])
        #expect(reports.map(\.ok) == [true, false, true])
        #expect(reports[1].error?.contains("throttled by the API") == true)
        let weights = events.compactMap { if case .weight(let w) = $0.body { w.to } else { nil } }
        #expect(weights.last == 0)
        #expect(try String(contentsOfFile: dir + "/applied.txt", encoding: .utf8) == "10\n0\n")
        let finished = events.compactMap { if case .finished(let f) = $0.body { f } else { nil } }.last!
        #expect(finished.reason.contains("router failed at step 2"))
    }
}

/// A loopback webhook receiver that records bodies and answers with a scripted status.
final class WebhookReceiver: Sendable {
    let server: HTTPServer
    let bodies = Mutex<[String]>([])
    var url: String { "http://127.0.0.1:\(server.port!)/hooks/rampart" }

    init(statuses: [Int], delay: Double = 0) async throws {
        let bodies = Mutex<[String]>([])
        let script = Mutex(statuses)
        server = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { request in
            bodies.withLock { $0.append(String(decoding: request.body, as: UTF8.self)) }
            if delay > 0 { try? await Task.sleep(for: .seconds(delay)) }
            let status = script.withLock { s in s.count > 1 ? s.removeFirst() : (s.first ?? 200) }
            return .plain(status, status == 200 ? "ok" : "nope")
        }
        self.receivedBodies = { bodies.withLock { $0 } }
    }

    let receivedBodies: @Sendable () -> [String]
}

@Suite struct WebhookTests {
    let payload = NotificationPayload(
        pipeline: "support-bot", event: .rolledBack, outcome: .rolledBack, reason: "latency_p95 over its limit", candidate: "m@2",
        baseline: "m@1", runFile: "run.jsonl", time: "2026-11-27T12:00:00Z")

    @Test func aWebhookPostsSlackCompatibleJSON() async throws {
        let receiver = try await WebhookReceiver(statuses: [200])
        let error = await WebhookNotifier(url: receiver.url, timeout: 60, retries: 0).send(payload)
        #expect(error == nil)
        let bodies = receiver.receivedBodies()
        #expect(bodies.count == 1)
        let object = try JSONSerialization.jsonObject(with: Data(bodies[0].utf8)) as! [String: Any]
        #expect((object["text"] as? String)?.contains("[support-bot] rolled back: latency_p95 over its limit") == true)
        #expect(object["event"] as? String == "rolled_back")
        #expect(object["outcome"] as? String == "rolled_back")
        #expect(
            WebhookNotifier(url: receiver.url).channel == "webhook:http://127.0.0.1:\(receiver.server.port!)",
            "the path, often a secret, stays out of the log")
    }

    @Test func aWebhookRetriesServerErrorsButNotClientErrors() async throws {
        let flaky = try await WebhookReceiver(statuses: [500, 503, 200])
        #expect(await WebhookNotifier(url: flaky.url, timeout: 60, retries: 2, backoff: 0.01).send(payload) == nil)
        #expect(flaky.receivedBodies().count == 3)
        let refusing = try await WebhookReceiver(statuses: [404])
        let error = await WebhookNotifier(url: refusing.url, timeout: 60, retries: 2, backoff: 0.01).send(payload)
        #expect(error?.contains("HTTP 404") == true)
        #expect(refusing.receivedBodies().count == 1)
        let down = try await WebhookReceiver(statuses: [500])
        let failed = await WebhookNotifier(url: down.url, timeout: 60, retries: 1, backoff: 0.01).send(payload)
        #expect(failed == "HTTP 500: nope after 2 attempts")
    }

    @Test func aHungWebhookTimesOutAndNeverChangesTheOutcome() async throws {
        let hung = try await WebhookReceiver(statuses: [200], delay: 5)
        let error = await WebhookNotifier(url: hung.url, timeout: 0.3, retries: 0).send(payload)
        #expect(error != nil)
        var h = try Harness(example: "blocked.yaml")
        h.inputs.spec.notify = [NotifySpec(kind: .webhook(url: hung.url, fromEnvironment: false, timeout: 0.3, retries: 0), on: [])]
        let r = await h.run()
        #expect(r.outcome == .blocked)
        let sent = r.events.compactMap { if case .notification(let n) = $0.body { n } else { nil } }
        #expect(sent.count == 1 && sent[0].delivered == false)
    }

    @Test func midRunMomentsNotifyOnlyChannelsThatAskForThem() async throws {
        let receiver = try await WebhookReceiver(statuses: [200])
        let quiet = try await WebhookReceiver(statuses: [200])
        var h = try Harness()
        h.inputs.spec.notify = [
            NotifySpec(kind: .webhook(url: receiver.url, fromEnvironment: false, timeout: 60, retries: 0), on: [.stepAdvanced, .promoted]),
            NotifySpec(kind: .webhook(url: quiet.url, fromEnvironment: false, timeout: 60, retries: 0), on: []),
        ]
        let r = await h.run()
        #expect(r.outcome == .promoted)
        let events = receiver.receivedBodies().compactMap { body in
            (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["event"] as? String
        }
        #expect(events == ["step_advanced", "step_advanced", "promoted"])
        #expect(quiet.receivedBodies().count == 1, "a channel with no 'on' list hears outcomes only")
    }
}

@Suite struct ControlSocketTests {
    @Test func ofTwoEnginesClaimingOneSocketAtOnceExactlyOneGetsIt() async throws {
        let h = try Harness()
        for _ in 0..<5 {
            let socket = (Paths.temporaryDirectory() as NSString).appendingPathComponent("engine.sock")
            let engines = (0..<2).map { _ in Engine(inputs: h.inputs, clock: VirtualClock(), options: RunOptions(seed: 1, operator: "t")) }
            async let a = try? EngineControl.start(engine: engines[0], path: socket)
            async let b = try? EngineControl.start(engine: engines[1], path: socket)
            let (ca, cb) = await (a, b)
            #expect((ca == nil) != (cb == nil), "exactly one binds the path; the other is told it is busy")
            await ca?.stop()
            await cb?.stop()
        }
    }

    @Test func scriptsSteerARunningEngineThroughTheControlSocket() async throws {
        // No build or gates: the test is about the canary, and reaching it must not depend on
        // how busy the machine is.
        let h = try Harness { spec in
            spec.canary!.traffic.source = .sim
            spec.build = []
            spec.gates = []
            // A canary that outlasts any delay in reaching it, so the commands always find it running.
            spec.canary!.steps = [CanaryStep(weight: 10, bake: 3600)]
        }
        let engine = Engine(inputs: h.inputs, clock: WallClock(speed: 2), options: RunOptions(seed: 42, operator: "tester"))
        let socket = (Paths.temporaryDirectory() as NSString).appendingPathComponent("engine.sock")
        // The engine answers a command at its next tick; CPU-bound suites beside this one can hold
        // both cooperative threads for tens of seconds, so the wait for that answer is long here
        // (and still shorter than the client's 90 s).
        let control = try await EngineControl.start(engine: engine, path: socket, answerWithin: 85)
        await #expect(throws: EngineControl.Busy.self) { try await EngineControl.start(engine: engine, path: socket) }
        let run = Task { await engine.run() }
        func post(_ body: String) async -> (Int, String)? {
            // Generous: the answer waits for the engine's next tick, and CPU-bound suites
            // running beside this one can hold both cooperative threads for seconds. A client
            // failure is kept as status 0 and its description, so an assertion below says what
            // went wrong.
            do {
                return try await ControlClient.request(socket: socket, method: "POST", path: "/command", body: body, timeout: 90)
            } catch {
                return (0, "client error: \(error)")
            }
        }
        // Wait for the canary, on the engine's own status.
        let deadline = Date().addingTimeInterval(180)
        while Date() < deadline {
            let status = try? await ControlClient.request(socket: socket, method: "GET", path: "/status")
            if status?.1.contains(#""canary":"running""#) == true { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let paused = await post(#"{"command":"pause","operator":"ops-bot","reason":"deploy freeze"}"#)
        #expect(paused?.0 == 200 && paused?.1.contains("holding at") == true, "\(String(describing: paused))")
        let again = await post(#"{"command":"pause","operator":"ops-bot"}"#)
        #expect(again?.0 == 409 && again?.1.contains("already paused") == true, "\(String(describing: again))")
        let bad = await post(#"{"command":"explode"}"#)
        #expect(bad?.0 == 400, "\(String(describing: bad))")
        let long = await post(#"{"command":"pause","operator":"ops-bot","reason":"\#(String(repeating: "x", count: 200_000))"}"#)
        #expect(
            long?.0 == 400 && long?.1.contains("at most 2000") == true,
            "a 200 kB reason is refused, not written twice; got \(long.map { "\($0.0) \($0.1.prefix(200))" } ?? "no answer (a client error)")")
        let rolled = await post(#"{"command":"rollback","operator":"ops-bot","reason":"freeze extended"}"#)
        #expect(rolled?.0 == 200, "\(String(describing: rolled))")
        #expect(await run.value == .rolledBack)
        let actions = engine.bus.events.compactMap { if case .operatorAction(let o) = $0.body { o } else { nil } }
        // The claimed name, and the user id the kernel reports for the socket's peer.
        #expect(actions.first?.command.operator == "ops-bot (cli, uid \(getuid()))")
        #expect(actions.first?.command.reason == "deploy freeze")
        #expect(actions.last?.command.kind == .rollback)
        await control.stop()
        await #expect(throws: ControlClient.Failure.self) { try await ControlClient.request(socket: socket, method: "GET", path: "/status") }
    }
}

/// A client that connects to the control socket and stalls is dropped; it does not hold the
/// socket open for ever.
struct ControlSocketIdleTests {
    @Test func aSilentConnectionIsClosed() async throws {
        let path = (Paths.temporaryDirectory() as NSString).appendingPathComponent("idle.sock")
        let server = try await HTTPServer.start(.unix(path: path), idleTimeout: 0.3) { _ in .plain(200, "ok") }
        let closed: Bool = await OwnThread.run {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, b) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = b }
            }
            let ok =
                withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
                } == 0
            guard ok else { return false }
            // Send nothing; the server closes, and the read sees the end (0), not a timeout.
            var tv = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, 0) == 0
        }
        #expect(closed)
        await server.stop()
    }
}
