import Foundation
import Testing
import Yams

@testable import RampartCore

/// The CI recipes in examples/ci are what teams copy: each `rampart` command in them runs, as
/// written, against the demo (the canary on the virtual clock), and does what the comments say.
struct CIRecipeTests {
    static let directory = CLI.repository + "/examples/ci"

    /// Every shell line of the recipe's jobs that runs `rampart`, by job name.
    static func commands(_ file: String) throws -> [String: [String]] {
        let root = try #require(try Yams.load(yaml: String(contentsOfFile: directory + "/" + file, encoding: .utf8)) as? [String: Any])
        var out: [String: [String]] = [:]
        let jobs = (root["jobs"] as? [String: Any]) ?? root
        for (name, value) in jobs {
            guard let job = value as? [String: Any] else { continue }
            let steps = (job["steps"] as? [[String: Any]])?.compactMap { $0["run"] as? String } ?? []
            let script = (job["script"] as? [String]) ?? []
            let lines = (steps + script).flatMap { $0.split(separator: "\n").map(String.init) }
            out[name] = lines.filter { $0.hasPrefix("rampart ") }
        }
        return out
    }

    /// Shell words, with the recipe's variables filled in as CI would.
    static func words(_ line: String, spec: String) -> [String] {
        let filled = line.replacingOccurrences(of: "\"$SPEC\"", with: spec).replacingOccurrences(of: "\"${{ github.actor }}\"", with: "ci")
            .replacingOccurrences(of: "\"$GITLAB_USER_LOGIN\"", with: "ci")
        return filled.split(separator: " ").map(String.init)
    }

    @Test(arguments: ["github-actions.yml", "gitlab-ci.yml"])
    func everyRampartCommandRunsAsWritten(_ file: String) async throws {
        let jobs = try Self.commands(file)
        let gates = try #require(jobs["gates"]?.first)
        let canary = try #require(jobs["canary"]?.first)
        #expect(gates.contains("--junit rampart-junit.xml"))
        #expect(canary.contains("--headless"))
        let dir = CLI.temporaryDirectory()
        let spec = CLI.repository + "/examples/demo.yaml"
        let eval = try await CLI.run(Array(Self.words(gates, spec: spec).dropFirst()) + ["--no-cache"], in: dir)
        #expect(eval.status == 0, "\(gates): \(eval.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/rampart-junit.xml"))
        #expect(FileManager.default.fileExists(atPath: dir + "/rampart-eval.json"))
        // The canary as written, on the virtual clock so the test does not wait out the bakes.
        let run = try await CLI.run(Array(Self.words(canary, spec: spec).dropFirst()) + ["--speed", "max"], in: dir)
        #expect(run.status == 0, "\(canary): \(run.stderr)")
        let recording = try RunFileCodec.read(file: dir + "/rampart-run.jsonl")
        #expect(recording.outcome?.outcome == .promoted)
        #expect(recording.header.operator == "ci")
    }

    @Test func theGitHubRecipeAnnotatesAndBothCacheTheResponses() throws {
        #expect(try Self.commands("github-actions.yml")["gates"]?.first?.contains("--annotations github") == true)
        for file in ["github-actions.yml", "gitlab-ci.yml"] {
            let text = try String(contentsOfFile: Self.directory + "/" + file, encoding: .utf8)
            #expect(text.contains(".rampart/cache"), "\(file) caches the gate responses")
            #expect(text.contains("make -C /opt/rampart-src install"), "\(file) installs Rampart the README's way")
        }
        let gitlab = try #require(try Yams.load(yaml: String(contentsOfFile: Self.directory + "/gitlab-ci.yml", encoding: .utf8)) as? [String: Any])
        let reports = ((gitlab["gates"] as? [String: Any])?["artifacts"] as? [String: Any])?["reports"] as? [String: Any]
        #expect(reports?["junit"] as? String == "rampart-junit.xml")
    }
}
