import Foundation
import RampartTestSupport
import Testing

@testable import RampartCore

/// `rampart rollback RUN` after a run promoted: each router Rampart drives, on its real server
/// where it has one (nginx, Lambda and AppConfig on moto), sends traffic back to the baseline;
/// the run file, `runs`, `replay` and the exit codes all say what happened.
struct PromotionRollbackCLITests {
    /// A sim canary of one step at 50 % that promotes when its bake (engine time) is over.
    static func spec(router: String, bake: String = "30s") -> String {
        """
        format: 1
        name: undo
        baseline: { provider: sim, model: m, version: "1.0" }
        candidate: { provider: sim, model: m, version: "1.1" }
        canary:
          \(router)
          traffic: { source: sim, rate: 20, dataset: \(CLI.repository)/examples/datasets/golden.jsonl }
          steps:
            - { weight: 50, bake: \(bake) }
          metrics:
            - { metric: error_rate, max_increase: 0.05 }
        """
    }

    @Test(arguments: ["file", "command", "nginx", "lambda_alias", "appconfig"])
    func aPromotionIsRolledBackAtItsRouterAndRecorded(_ kind: String) async throws {
        let dir = CLI.temporaryDirectory()
        let router = try await SignalTests.Router.make(kind, dir: dir)
        defer { router.nginx?.stop() }
        let spec = Self.spec(router: router.yaml)
        try spec.write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        let env = router.environment
        let run = try await CLI.run(["run", "spec.yaml", "--headless", "--speed", "max", "--record", "run.jsonl"], in: dir, environment: env)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(await router.weight() == 100, "the promotion left all traffic on the candidate")

        let undo = try await CLI.run(["rollback", "run.jsonl", "--operator", "bob", "--reason", "users complain"], in: dir, environment: env)
        #expect(undo.status == 0, "\(undo.stdout)\(undo.stderr)")
        #expect(undo.stdout.hasPrefix(#"rolled back  promotion rolled back by bob at "#) && undo.stdout.contains(#"because "users complain""#))
        #expect(await router.weight() == 0, "the baseline serves everything again")

        let recording = try RunFileCodec.read(file: dir + "/run.jsonl")
        #expect(recording.promotionRollback?.operator == "bob" && recording.promotionRollback?.router == kind)
        let replay = try await CLI.run(["replay", "run.jsonl", "--headless"], in: dir)
        #expect(replay.status == 2, "a promotion taken back exits as rolled back")
        #expect(replay.stdout.contains("then: ROLLED BACK (exit 2) — promotion rolled back by bob"))

        // Once only: the second answer is a refusal, and the router is not touched again.
        let again = try await CLI.run(["rollback", "run.jsonl"], in: dir, environment: env)
        #expect(again.status == 1 && again.stderr.contains("the promotion was already rolled back"), "\(again.stderr)")
    }

    @Test func refusalsAndUnreadableRunsHaveTheirExitCodes() async throws {
        let dir = CLI.temporaryDirectory()
        let spec = Self.spec(router: "router: { kind: file, path: flags.json }")
        try spec.write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        let run = try await CLI.run(["run", "spec.yaml", "--headless", "--speed", "max"], in: dir)
        #expect(run.status == 0, "\(run.stderr)")
        // The spec edited since the run: its router may now mean other versions.
        try (spec + "\n# edited\n").write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        // Named as `rampart runs` lists it: the file name without .jsonl.
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: dir + "/.rampart/runs").first).dropLast(6)
        let edited = try await CLI.run(["rollback", String(name)], in: dir)
        #expect(edited.status == 1 && edited.stderr.contains("changed since the run"), "\(edited.stderr)")
        #expect(SignalTests.flagWeight(dir + "/flags.json") == 100)
        // Not a run file at all.
        try "not json\n".write(toFile: dir + "/junk.jsonl", atomically: true, encoding: .utf8)
        let junk = try await CLI.run(["rollback", "junk.jsonl"], in: dir)
        #expect(junk.status == 65 && junk.stderr.contains("cannot read the run file: junk.jsonl:1:1"), "\(junk.stderr)")
        // --spec without a run is a usage error.
        let usage = try await CLI.run(["rollback", "--spec", "spec.yaml"], in: dir)
        #expect(usage.status == 64)
        // Without a run and without an engine: the live form, which finds nobody to ask.
        let live = try await CLI.run(["rollback"], in: dir)
        #expect(live.status == 69)
    }
}
