import Foundation
import RampartTestSupport
import Testing

@testable import RampartCore

/// Runs the built `rampart` binary as a user would and checks exit codes, output and run files.
enum CLI {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let binary: String = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("rampart").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        for dir in [".build/debug", ".build/release"] {
            let path = (repository as NSString).appendingPathComponent("\(dir)/rampart")
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return beside
    }()

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary on a thread of its own: a test that blocked a thread of the 2-thread
    /// cooperative pool while the binary ran starved every async test beside it (timeouts and
    /// sleeps elsewhere then took tens of seconds).
    static func run(
        _ args: [String], in directory: String = repository, environment: [String: String] = [:], executable: String = binary
    ) async throws -> Result {
        try await OwnThread.run { try runBlocking(args, in: directory, environment: environment, executable: executable) }
    }

    /// The binary, set up to run in `directory` with the test's environment plus `environment`
    /// (crash backtraces off: a test reads exit codes, not backtraces), reading nothing.
    static func process(_ args: [String], in directory: String, environment: [String: String] = [:], executable: String = binary) -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardInput = FileHandle.nullDevice
        return p
    }

    static func runBlocking(_ args: [String], in directory: String, environment: [String: String], executable: String = binary) throws -> Result {
        let p = process(args, in: directory, environment: environment, executable: executable)
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so neither can fill up and block the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let status = exitStatus(of: p)
        return Result(status: status, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The child's exit code (or the signal that ended it), reaping it ourselves if need be.
    /// `waitUntilExit` alone once hung for good in a full run, the child a zombie: Foundation's
    /// SIGCHLD source never fired (another part of the process also waits for its own children).
    static func exitStatus(of p: Process) -> Int32 {
        let pid = p.processIdentifier
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f }
            if reaped == -1 && errno == ECHILD {
                // Foundation reaped it first and has (or is about to have) its status.
                p.waitUntilExit()
                return p.terminationStatus
            }
            if !p.isRunning { return p.terminationStatus }
            usleep(2_000)
        }
    }

    /// Starts the binary in the background (for tests that signal it or talk to it while it
    /// runs); output goes to `stdout` when given, else nowhere.
    static func start(_ args: [String], in directory: String, stdout: Pipe? = nil, environment: [String: String] = [:]) throws -> Process {
        let p = process(args, in: directory, environment: environment)
        if let stdout { p.standardOutput = stdout } else { p.standardOutput = FileHandle.nullDevice }
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    /// Waits for a started process on a thread of its own, not on the cooperative pool.
    static func exit(of p: Process) async {
        nonisolated(unsafe) let process = p
        await OwnThread.run { process.waitUntilExit() }
    }

    static func temporaryDirectory() -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("rampart-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

struct CLIValidateTests {
    @Test func validExamplesPass() async throws {
        let r = try await CLI.run(["validate", "examples/demo.yaml", "examples/degraded.yaml", "examples/blocked.yaml"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("examples/demo.yaml: ok — pipeline 'support-bot'"))
    }

    @Test func aMalformedSpecGetsEveryErrorWithLineNumbersAndExit65() async throws {
        let file = "Tests/RampartCoreTests/Fixtures/specs/many-errors.yaml"
        let r = try await CLI.run(["validate", file])
        #expect(r.status == 65)
        #expect(r.stderr.contains("error: \(file):20:17: canary.steps[1].weight: must be 0...100, got 140"))
        #expect(r.stderr.contains("error: \(file):6:12: baseline.version: model version is not pinned"))
        #expect(r.stderr.contains("4 problems found"))
        #expect(!r.stderr.contains("Fatal error"))
        #expect(r.stdout.isEmpty)
    }

    @Test func aMissingFileIsInvalidInputNotACrash() async throws {
        let r = try await CLI.run(["validate", "no/such/spec.yaml"])
        #expect(r.status == 65)
        #expect(r.stderr.contains("no/such/spec.yaml:1:1: cannot read the spec"))
    }

    @Test(arguments: [
        ["run"], ["frobnicate"], ["run", "examples/demo.yaml", "--speed", "fast"], ["run", "examples/demo.yaml", "--command-at", "soon:rollback"],
        ["run", "examples/demo.yaml", "--command-at", "5s:explode"],
    ])
    func usageErrorsExit64(_ args: [String]) async throws {
        let r = try await CLI.run(args)
        #expect(r.status == 64, "\(args): \(r.stderr)")
    }
}

struct CLIRunTests {
    func run(_ spec: String, _ extra: [String] = []) async throws -> (CLI.Result, RunFileCodec.Recording, String) {
        let file = (CLI.temporaryDirectory() as NSString).appendingPathComponent("run.jsonl")
        let r = try await CLI.run(["run", spec, "--headless", "--speed", "max", "--record", file, "--operator", "ci-bot"] + extra)
        return (r, try RunFileCodec.read(file: file), file)
    }

    @Test(arguments: [
        ("examples/demo.yaml", Int32(0), RunOutcome.promoted), ("examples/blocked.yaml", 1, .blocked), ("examples/degraded.yaml", 2, .rolledBack),
    ])
    func exitCodeMatchesTheRecordedOutcome(_ spec: String, _ code: Int32, _ outcome: RunOutcome) async throws {
        let (r, recording, file) = try await run(spec)
        #expect(r.status == code)
        #expect(recording.outcome?.outcome == outcome)
        #expect(recording.outcome?.exitCode == code)
        #expect(recording.header.operator == "ci-bot")
        #expect(recording.header.specSHA256.count == 64)
        #expect(recording.header.candidate.promptTemplateSHA256?.count == 64)
        // One line per event, then the summary naming the run file.
        let lines = r.stdout.split(separator: "\n")
        // Request batches are recorded for what-if re-judging but not printed.
        #expect(lines.count > recording.events.filter { if case .observations = $0.body { false } else { true } }.count)
        #expect(r.stdout.contains("outcome: \(outcome.rawValue.uppercased()) (exit \(code))"))
        #expect(r.stdout.contains("run file: \(file)"))
    }

    @Test func theSameSeedRecordsTheSameEvents() async throws {
        func events(_ seed: String) async throws -> [String] {
            // Without the response cache: a run served from another's answers needs none of the
            // retries (and their backoff on the engine clock) that a fresh run does.
            let (_, recording, _) = try await run("examples/demo.yaml", ["--seed", seed, "--no-cache"])
            return try recording.events.map { event in
                var e = event
                if case .buildStep(var b) = e.body { b.duration = 0; e.body = .buildStep(b) }
                // Runs in parallel take pid-named control sockets; the path is not part of the outcome.
                if case .runStarted(var r) = e.body { r.controlSocket = nil; e.body = .runStarted(r) }
                return try RunFileCodec.line(event: e)
            }
        }
        let a = try await events("7"), b = try await events("7"), c = try await events("8")
        #expect(a == b)
        #expect(a != c)
    }

    @Test func aScheduledOperatorRollbackIsRecordedWithWhoAndWhy() async throws {
        let (r, recording, _) = try await run("examples/demo.yaml", ["--command-at", "50s:rollback:p95 looks off"])
        #expect(r.status == 2)
        let actions = recording.events.compactMap { if case .operatorAction(let o) = $0.body { o } else { nil } }
        #expect(actions.count == 1)
        #expect(actions[0].command.operator == "ci-bot")
        #expect(actions[0].command.reason == "p95 looks off")
        let step = recording.events.last { if case .canaryStep = $0.body { $0.t <= 50 } else { false } }
        guard case .canaryStep(let started)? = step?.body else { Issue.record("no canary step before 50s"); return }
        #expect(recording.outcome?.reason == "rolled back by ci-bot at step \(started.index + 1): p95 looks off")
    }

    @Test func runsStartedTogetherInOneDirectoryAllRun() async throws {
        let dir = CLI.temporaryDirectory()
        let spec = CLI.repository + "/examples/demo.yaml"
        async let runs = withThrowingTaskGroup(of: (CLI.Result, String).self) { group in
            for i in 0..<4 {
                let file = dir + "/run-\(i).jsonl"
                group.addTask { (try await CLI.run(["run", spec, "--headless", "--speed", "max", "--no-cache", "--record", file], in: dir), file) }
            }
            var out: [(CLI.Result, String)] = []
            for try await r in group { out.append(r) }
            return out
        }
        var sockets: [String] = []
        for (r, file) in try await runs {
            #expect(r.status == 0, "\(r.stderr)")
            let recording = try RunFileCodec.read(file: file)
            if case .runStarted(let started)? = recording.events.first?.body, let socket = started.controlSocket { sockets.append(socket) }
        }
        // None fails for want of a socket; which one had the shared path when is not fixed
        // (a run that ends frees it for the next), so uniqueness is tested on the engine side.
        #expect(sockets.count == 4, "\(sockets)")
    }

    @Test func anExistingRunFileIsNeverOverwritten() async throws {
        let file = (CLI.temporaryDirectory() as NSString).appendingPathComponent("taken.jsonl")
        try "keep me\n".write(toFile: file, atomically: true, encoding: .utf8)
        let r = try await CLI.run(["run", "examples/demo.yaml", "--headless", "--speed", "max", "--record", file])
        #expect(r.status == 74)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me\n")
    }

    @Test func anInvalidSpecNeverStartsARun() async throws {
        let dir = CLI.temporaryDirectory()
        let r = try await CLI.run(["run", CLI.repository + "/Tests/RampartCoreTests/Fixtures/specs/weight-out-of-range.yaml", "--headless"], in: dir)
        #expect(r.status == 65)
        #expect(!FileManager.default.fileExists(atPath: dir + "/.rampart"))
    }

    @Test func theDefaultRunFileGoesUnderDotRampartRuns() async throws {
        let dir = CLI.temporaryDirectory()
        let r = try await CLI.run(["run", CLI.repository + "/examples/blocked.yaml", "--headless", "--speed", "max"], in: dir)
        #expect(r.status == 1)
        let runs = try FileManager.default.contentsOfDirectory(atPath: dir + "/.rampart/runs")
        #expect(runs.count == 1)
        #expect(runs[0].hasSuffix("-support-bot-leaky.jsonl"))
    }

    @Test func simulateSweepsAMetricAcrossItsMarginAndCombinesEffects() async throws {
        let r = try await CLI.run([
            "simulate", "examples/demo.yaml", "--sweep", "latency_p50", "--points", "3", "--trials", "2", "--judge", "threshold",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("latency_p50 swept from none to 3× its margin (×1.2)"), "\(r.stdout)")
        for effect in ["none", "latency=+30%", "latency=+60%"] { #expect(r.stdout.contains(effect), "\(effect)") }
        #expect(r.stdout.contains("curves, none → 3× margin") && r.stdout.contains("  threshold   rollback "))
        let json = try await CLI.run([
            "simulate", "examples/demo.yaml", "--sweep", "error_rate", "--points", "2", "--trials", "1", "--judge", "threshold", "--json",
        ])
        let lines = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(lines.map { $0["effect"] as? String } == ["none", "error_rate=+9pp"])
        #expect(lines.allSatisfy { $0["p_rollback"] is Double && $0["row"] is [String: Any] })
        let combined = try await CLI.run([
            "simulate", "examples/demo.yaml", "--effect", "latency=+30%,error_rate=x2", "--trials", "1", "--judge", "threshold",
        ])
        #expect(combined.status == 0 && combined.stdout.contains("latency=+30%,error_rate=x2"), "\(combined.stdout)")
        for bad in [["--sweep", "latency_p50", "--effect", "latency=+30%"], ["--sweep", "speed"], ["--effect", "latency=+30%,latency=x2"]] {
            let refused = try await CLI.run(["simulate", "examples/demo.yaml", "--trials", "1"] + bad)
            #expect(refused.status == 64, "\(bad): \(refused.status) \(refused.stderr)")
        }
    }

    @Test func demoRunsTheBundledSpecFromAnyDirectory() async throws {
        let dir = CLI.temporaryDirectory()
        let r = try await CLI.run(["demo", "--headless", "--speed", "max", "--record", dir + "/demo.jsonl"], in: dir)
        #expect(r.status == 0)
        #expect(r.stdout.contains("support-bot: candidate acme-chat@2025-09-14 vs baseline acme-chat@2025-06-01"))
    }

    /// From an empty folder: init writes a spec that validates and runs; a second init refuses
    /// to overwrite and writes nothing; --force does.
    @Test func initWritesAStarterThatValidatesAndNeverOverwritesUnasked() async throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let first = try await CLI.run(["init"], in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("next: rampart validate rampart.yaml && rampart run rampart.yaml"))
        for file in ["rampart.yaml", "prompts/support-v1.txt", "datasets/golden.jsonl", "guardrails/support.yaml"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file)")
        }
        let valid = try await CLI.run(["validate", "rampart.yaml"], in: dir)
        #expect(valid.status == 0, "\(valid.stdout) \(valid.stderr)")
        try "mine".write(toFile: dir + "/prompts/support-v1.txt", atomically: true, encoding: .utf8)
        let again = try await CLI.run(["init"], in: dir)
        #expect(again.status == 64 && again.stderr.contains("already exist; nothing was written"))
        #expect(try String(contentsOfFile: dir + "/prompts/support-v1.txt", encoding: .utf8) == "mine")
        let forced = try await CLI.run(["init", "--force", "."], in: dir)
        let restored = try String(contentsOfFile: dir + "/prompts/support-v1.txt", encoding: .utf8)
        #expect(forced.status == 0 && restored != "mine")
    }

    /// With no name in the environment (a CI container sets none, or sets them empty) the
    /// operator is the account's name, as the dashboard shows it, not "unknown" or a uid.
    @Test func theOperatorIsTheAccountsNameWhenTheEnvironmentHasNone() async throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await CLI.run(
            ["demo", "--headless", "--speed", "max", "--no-cache", "--record", dir + "/run.jsonl"], in: dir,
            environment: ["RAMPART_OPERATOR": "", "USER": " ", "LOGNAME": ""])
        #expect(r.status == 0, "\(r.stderr)")
        let account = try #require(getpwuid(getuid())).pointee.pw_name.map { String(cString: $0) }
        #expect(try RunFileCodec.read(file: dir + "/run.jsonl").header.operator == account)
    }

    /// The layout `make install` writes: PREFIX/bin/rampart and PREFIX/share/rampart/examples.
    /// Run through a symlink elsewhere on PATH (as package managers link binaries), from a
    /// folder that holds nothing, the demo that runs is the installed one.
    @Test func anInstalledBinaryRunsTheDemoInstalledBesideIt() async throws {
        let prefix = CLI.temporaryDirectory(), empty = CLI.temporaryDirectory(), links = CLI.temporaryDirectory()
        let fm = FileManager.default
        defer { for d in [prefix, empty, links] { try? fm.removeItem(atPath: d) } }
        let share = prefix + "/share/rampart/examples"
        try fm.createDirectory(atPath: prefix + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: share, withIntermediateDirectories: true)
        for item in ["demo.yaml", "prompts", "datasets", "guardrails"] {
            try fm.copyItem(atPath: CLI.repository + "/examples/" + item, toPath: share + "/" + item)
        }
        // A hard link stands in for the installed copy (same file system, no 100 MB copy).
        try fm.linkItem(atPath: CLI.binary, toPath: prefix + "/bin/rampart")
        try fm.createSymbolicLink(atPath: links + "/rampart", withDestinationPath: prefix + "/bin/rampart")
        let r = try await CLI.run(
            ["demo", "--headless", "--speed", "max", "--record", empty + "/demo.jsonl"], in: empty, executable: links + "/rampart")
        #expect(r.status == 0, "\(r.stderr)")
        let header = try RunFileCodec.read(file: empty + "/demo.jsonl").header
        #expect(header.specFile.hasPrefix(share), "ran \(header.specFile), not the installed demo")
    }
}

/// Every sample recording replays to its recorded outcome, and the audit and what-if commands
/// read them.
@Suite struct SampleRunTests {
    static let expected: [(String, RunOutcome)] = [
        ("clean-promotion", .promoted), ("rollback-latency", .rolledBack), ("blocked-injection", .blocked),
        ("operator-rollback", .rolledBack), ("inconclusive-promoted", .promoted), ("nginx-prometheus", .promoted),
    ]

    @Test func theNginxPrometheusRecordingShowsWhereTrafficWentAndWhoJudged() async throws {
        let r = try await CLI.run(["replay", "sample-runs/nginx-prometheus.jsonl", "--headless"])
        #expect(r.stdout.contains("→ nginx → meter (baseline 127.0.0.1:8481, candidate 127.0.0.1:8482)"))
        #expect(r.stdout.contains("router   nginx set 10%") && r.stdout.contains("router   nginx set 100%"))
        #expect(r.stdout.contains("within limits [prometheus http://127.0.0.1:9090]"))
    }

    @Test(arguments: expected.map(\.0))
    func eachSampleReplaysToItsRecordedOutcome(_ name: String) async throws {
        let file = "sample-runs/\(name).jsonl"
        let recording = try RunFileCodec.read(file: CLI.repository + "/" + file)
        let outcome = try #require(recording.outcome)
        #expect(outcome.outcome == Self.expected.first { $0.0 == name }!.1)
        let r = try await CLI.run(["replay", file, "--headless"])
        #expect(r.status == outcome.exitCode)
        #expect(r.stdout.contains("outcome: \(outcome.outcome.rawValue.uppercased()) (exit \(outcome.exitCode))"))
        let batchLines = r.stdout.split(separator: "\n").filter { $0.count > 18 && $0.dropFirst(7).hasPrefix("  requests ") }
        #expect(batchLines.isEmpty, "request batches are not printed")
    }

    /// How `make sample-runs` makes each recording it regenerates (nginx-prometheus needs servers).
    static let made: [String: [String]] = [
        "clean-promotion": ["--seed", "42", "--operator", "release-bot"],
        "rollback-latency": ["--seed", "42", "--operator", "release-bot"],
        "blocked-injection": ["--seed", "42", "--operator", "release-bot"],
        "operator-rollback": [
            "--seed", "7", "--operator", "grace", "--command-at", "50s:rollback:support tickets about wrong refund amounts are spiking",
        ],
        "inconclusive-promoted": [
            "--seed", "42", "--operator", "ada", "--command-at", "5m:promote:quiet hour; checked 40 answers by hand, all fine",
        ],
    ]

    /// The recordings are the engine's own: its spec, run today, ends the same way for the same
    /// reason. A judge or spec change that would alter a sample fails here until `make
    /// sample-runs` is run and the README's table still describes what happens.
    @Test(arguments: made.keys.sorted())
    func eachSampleSpecStillMakesItsRecording(_ name: String) async throws {
        let dir = NSTemporaryDirectory() + "rampart-sample-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try await CLI.run(
            ["run", "--headless", "--no-cache", "--speed", "max", "sample-runs/specs/\(name).yaml", "--record", dir + "/run.jsonl"]
                + (Self.made[name] ?? []))
        let now = try #require(try RunFileCodec.read(file: dir + "/run.jsonl").outcome, "\(r.stderr)")
        let then = try #require(try RunFileCodec.read(file: CLI.repository + "/sample-runs/\(name).jsonl").outcome)
        #expect(now.outcome == then.outcome && now.reason == then.reason, "regenerate with `make sample-runs`: now \(now.reason)")
    }

    @Test func theAuditRecordSaysWhoDidWhatAndWhy() async throws {
        let r = try await CLI.run(["runs", "show", "sample-runs/operator-rollback.jsonl"])
        #expect(r.status == 0)
        #expect(r.stdout.contains(#"grace asked to rollback because "support tickets about wrong refund amounts are spiking": accepted"#))
        #expect(r.stdout.contains("10% → 0%"))
        #expect(r.stdout.contains("outcome    ROLLED_BACK (exit 2)"))
        #expect(r.stdout.contains("golden-similarity passed on 60 items"))
    }

    @Test func whatIfShowsADifferentDecisionForAStricterAndALooserPolicy() async throws {
        let dir = NSTemporaryDirectory() + "rampart-whatif-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "judge: { kind: sequential, alpha_rollback: 0.2 }\nmetrics:\n  - { metric: latency_p50, max_ratio: 1.05 }\n".write(
            toFile: dir + "/strict.yaml", atomically: true, encoding: .utf8)
        try "canary:\n  judge: threshold\n  metrics:\n    - { metric: latency_p50, max_ratio: 2.0 }\n".write(
            toFile: dir + "/loose.yaml", atomically: true, encoding: .utf8)
        let strict = try await CLI.run(["replay", "sample-runs/rollback-latency.jsonl", "--judge", dir + "/strict.yaml"])
        #expect(strict.status == 0)
        #expect(strict.stdout.contains("earlier than recorded"), "\(strict.stdout)")
        let loose = try await CLI.run(["replay", "sample-runs/rollback-latency.jsonl", "--judge", dir + "/loose.yaml"])
        #expect(loose.stdout.contains("threshold judge would NOT have rolled back on the recorded traffic"), "\(loose.stdout)")
        try "judge: { kind: sequentail }\n".write(toFile: dir + "/typo.yaml", atomically: true, encoding: .utf8)
        let typo = try await CLI.run(["replay", "sample-runs/rollback-latency.jsonl", "--judge", dir + "/typo.yaml"])
        #expect(typo.status == 65)
        #expect(typo.stderr.contains("typo.yaml:1:"))
    }

    @Test func aCutOffRecordingReplaysUpToItsLastLineAndSaysSo() async throws {
        let text = try String(contentsOfFile: CLI.repository + "/sample-runs/operator-rollback.jsonl", encoding: .utf8)
        // A directory of its own: `runs --dir` lists what is there, and a shared temporary
        // directory on a long-lived machine may hold hundreds of other .jsonl files.
        let cut = CLI.temporaryDirectory() + "/cut.jsonl"
        try String(text.prefix(text.count * 2 / 3)).write(toFile: cut, atomically: true, encoding: .utf8)
        let r = try await CLI.run(["replay", cut, "--headless"])
        #expect(r.status == 3)
        #expect(r.stdout.contains("the run did not finish: the recording was cut off at line"))
        let list = try await CLI.run(["runs", "--dir", (cut as NSString).deletingLastPathComponent, "--limit", "500"])
        #expect(list.stdout.contains("CUT OFF"))
    }
}

/// What a newcomer reads first: help that wraps at word boundaries, and docs that name only
/// files that exist.
struct HelpAndDocsTests {
    static let subcommands = [
        "run", "validate", "demo", "eval", "score", "proxy", "status", "promote", "rollback", "pause", "resume", "simulate", "runs",
        "replay", "recover", "init",
    ]

    /// A paragraph broken by hand and then wrapped again reads as ragged lines ("rollback is a" /
    /// "false rollback …"): a short line followed by one that carries on the sentence.
    @Test(arguments: [""] + subcommands)
    func helpParagraphsWrapAtWordBoundaries(_ command: String) async throws {
        let r = try await CLI.run((command.isEmpty ? [] : [command]) + ["--help"])
        #expect(r.status == 0)
        let text = r.stdout.components(separatedBy: "USAGE:").first ?? ""
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (a, b) in zip(lines, lines.dropFirst()) where !a.isEmpty && !b.isEmpty {
            #expect(!(a.count < 40 && (b.first?.isLowercase ?? false)), "\(command) --help: '\(a)' then '\(b)'")
        }
    }

    @Test func theSampleRunsReadmeNamesOnlyFilesThatExist() throws {
        let dir = CLI.repository + "/sample-runs"
        let text = try String(contentsOfFile: dir + "/README.md", encoding: .utf8)
        let named = text.matches(of: /`([A-Za-z0-9_.\/-]+\.(?:jsonl|yaml))`/).map { String($0.1) }
        #expect(named.count >= 10, "\(named)")
        for name in Set(named) {
            let path = name.hasPrefix("../") || name.hasPrefix("specs/") || !name.contains("/") ? dir + "/" + name : CLI.repository + "/" + name
            #expect(FileManager.default.fileExists(atPath: path), "sample-runs/README.md names \(name), which does not exist")
        }
    }
}
