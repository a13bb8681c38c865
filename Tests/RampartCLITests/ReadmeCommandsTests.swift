import Foundation
import Testing

@testable import RampartCore

/// Every `rampart` command in the fenced shell blocks of README.md and examples/README.md is run
/// here with the real binary, as written, and its exit code checked. Three changes only, all
/// named: placeholders get values (`RUN`, `[DIR]`, `FILE`, `policy.yaml`, `pairs.jsonl`), runs
/// use `--speed max` (the virtual clock; a real-time demo takes two minutes) except the one the
/// steering commands act on, and `simulate` runs one trial without the hold. A README command this test does not
/// know fails it, so a new one cannot go untried.
struct ReadmeCommandsTests {
    /// README lines this test does not start, and the tests that run them instead.
    static let coveredElsewhere: [String: String] = [
        "rampart proxy --listen 0.0.0.0:8480 --baseline http://10.0.0.5:8000/v1 --candidate http://10.0.0.6:8000/v1":
            "a server on fixed public addresses; ProxyCommandTests start the proxy on loopback",
        "rampart proxy --baseline https://gw.internal/v1 --candidate https://gw.internal/v1 --ca-file gw-ca.pem":
            "needs the gateway's CA; ProxyCommandTests run https upstreams with a test CA",
        "rampart proxy --meter candidate --candidate http://10.0.0.6:8000/v1 --listen 0.0.0.0:8482":
            "a server on a fixed public address; ProxyCommandTests run meters on loopback",
        "rampart proxy --meter candidate --candidate http://10.0.0.6:8000/v1 --cloudwatch-namespace Rampart/Canary":
            "publishes to CloudWatch; AWSExampleTests run it against moto",
        "rampart eval examples/bedrock.yaml": "Bedrock; AWSEvalTests run it against the loopback Converse stand-in",
        "rampart run examples/bedrock.yaml --headless": "Bedrock and SNS; AWSEvalTests run it against moto",
    ]

    /// The commands, comments stripped, continuation lines joined (the first line of a
    /// continued command is its key).
    static func commands() throws -> [String] {
        var out: [String] = []
        for file in ["README.md", "examples/README.md"] {
            let text = try String(contentsOfFile: CLI.repository + "/" + file, encoding: .utf8)
            var inShell = false
            for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                if line.hasPrefix("```") {
                    inShell = !inShell && (line == "```sh" || line == "```bash")
                    continue
                }
                guard inShell, line.hasPrefix("rampart ") else { continue }
                var command = line
                if let hash = command.range(of: " # ") ?? command.range(of: "  #") { command = String(command[..<hash.lowerBound]) }
                command = command.trimmingCharacters(in: .whitespaces)
                if command.hasSuffix("\\") { command = String(command.dropLast()).trimmingCharacters(in: .whitespaces) }
                out.append(command)
            }
        }
        return out
    }

    /// Shell words: double-quoted strings kept whole.
    static func words(_ command: String) -> [String] {
        var out: [String] = [], word = "", quoted = false
        for c in command {
            if c == "\"" {
                quoted.toggle()
            } else if c == " " && !quoted {
                if !word.isEmpty { out.append(word) }
                word = ""
            } else {
                word.append(c)
            }
        }
        if !word.isEmpty { out.append(word) }
        return out
    }

    /// The README line's arguments (without `rampart`), placeholders filled, time scaled.
    static func arguments(_ command: String, run: String) -> [String] {
        var args = Array(words(command).dropFirst())
        args = args.compactMap { w in
            switch w {
            case "[DIR]": "new-project"
            case "RUN": run
            case "FILE": "examples/demo.yaml"
            case "[RUN]", "[--fully]": nil
            case "[--json]": "--json"
            default: w
            }
        }
        // One trial, without waiting out the spec's hold on an inconclusive step: the README's
        // 200 trials of a +5 pp error effect take ten minutes in a debug build.
        if args.first == "simulate" {
            if let i = args.firstIndex(of: "--trials") { args[i + 1] = "1" } else { args += ["--trials", "1"] }
            args += ["--hold", "0"]
        }
        if ["run", "demo"].contains(args.first) { args += ["--speed", "max"] }
        return args
    }

    @Test func everyReadmeCommandRunsAndExitsAsDocumented() async throws {
        let all = try Self.commands()
        let dir = CLI.temporaryDirectory()
        for link in ["examples", "sample-runs"] {
            try FileManager.default.createSymbolicLink(atPath: dir + "/" + link, withDestinationPath: CLI.repository + "/" + link)
        }
        try #"{"candidate":"the cat sat on the mat","reference":"a cat sat on the mat"}"#.write(
            toFile: dir + "/pairs.jsonl", atomically: true, encoding: .utf8)
        try "canary:\n  judge: threshold\n  metrics:\n    - { metric: latency_p50, max_ratio: 2.0 }\n".write(
            toFile: dir + "/policy.yaml", atomically: true, encoding: .utf8)
        let steering = [
            "rampart status", "rampart pause --reason \"checking the dashboards\"", "rampart resume", "rampart promote [--fully]",
            "rampart rollback --reason \"p95 looks off\"",
        ]
        let afterARun = [
            "rampart runs", "rampart runs show RUN", "rampart replay RUN --headless", "rampart replay RUN --judge policy.yaml",
            "rampart recover [RUN]", "rampart recover --spec FILE", "rampart rollback RUN --reason \"users report wrong answers\"",
        ]
        // What each README command must exit with, as the README says.
        let expected: [String: Int32] = [
            "rampart run examples/demo.yaml": 0, "rampart run examples/demo.yaml --headless": 0, "rampart validate examples/demo.yaml": 0,
            "rampart demo": 0, "rampart init [DIR]": 0, "rampart eval examples/demo.yaml --junit out.xml --json out.json": 0,
            "rampart eval examples/demo.yaml --plan": 0, "rampart score --metric rouge-l < pairs.jsonl": 0,
            "rampart simulate examples/demo.yaml --trials 200 --effect latency=+50% --effect error_rate=+5% [--json]": 0,
            "rampart simulate examples/demo.yaml --effect latency=+30%,error_rate=x2": 0,
            "rampart simulate examples/demo.yaml --incident 30%x2@75s+15s": 0,
            // Not a terminal, so headless: the recorded outcome, rolled back.
            "rampart replay sample-runs/rollback-latency.jsonl": 2,
            // The CodeBuild buildspecs' commands, with the variables CodeBuild would set.
            "rampart eval \"$RAMPART_SPEC\" --cache \"$RAMPART_CACHE\" --junit reports/gates.xml --json reports/gates.json": 0,
            "rampart run \"$RAMPART_SPEC\" --headless --cache \"$RAMPART_CACHE\" --record \"runs/canary-$CODEBUILD_BUILD_NUMBER.jsonl\"": 0,
        ]
        let known = Set(expected.keys).union(steering).union(afterARun).union(Self.coveredElsewhere.keys)
        #expect(Set(all).subtracting(known).isEmpty, "README commands this test does not run: \(Set(all).subtracting(known).sorted())")
        #expect(known.subtracting(all).subtracting(Self.coveredElsewhere.keys).isEmpty, "gone from the README: \(known.subtracting(all).sorted())")

        for command in all where expected[command] != nil {
            let r: CLI.Result
            if command.contains(" < ") || command.contains("$") {
                // Through the shell, for the redirection and the variables (each word in double
                // quotes, so a variable expands and nothing else is interpreted).
                let parts = command.components(separatedBy: " < ")
                let args = Self.arguments(parts[0], run: "").map { "\"\($0)\"" }.joined(separator: " ")
                let redirect = parts.count > 1 ? " < \(parts[1])" : ""
                r = try await CLI.run(
                    ["-c", "'\(CLI.binary)' \(args)\(redirect)"], in: dir,
                    environment: [
                        "RAMPART_SPEC": "examples/demo.yaml", "RAMPART_CACHE": ".rampart/cache/codebuild.jsonl", "CODEBUILD_BUILD_NUMBER": "7",
                    ],
                    executable: "/bin/sh")
            } else {
                r = try await CLI.run(Self.arguments(command, run: ""), in: dir)
            }
            #expect(r.status == expected[command], "\(command): exit \(r.status)\n\(r.stderr.suffix(600))")
        }
        #expect(FileManager.default.fileExists(atPath: dir + "/new-project/rampart.yaml"), "rampart init [DIR] wrote the starter")
        #expect(FileManager.default.fileExists(atPath: dir + "/runs/canary-7.jsonl"), "the buildspec's canary recorded its run")
        #expect(FileManager.default.fileExists(atPath: dir + "/reports/gates.xml"))

        // The steering commands, from another process, against a live run in real time.
        let live = try CLI.start(["run", "examples/demo.yaml", "--headless", "--record", ".rampart/runs/steered.jsonl"], in: dir)
        let deadline = Date().addingTimeInterval(120)
        var ready = false
        while Date() < deadline, live.isRunning {
            let s = try await CLI.run(["status"], in: dir)
            if s.status == 0 && s.stdout.contains("canary running") {
                ready = true
                break
            }
            usleep(200_000)
        }
        try #require(ready, "the run never reached its canary")
        for command in steering {
            let r = try await CLI.run(Self.arguments(command, run: ""), in: dir)
            #expect(r.status == 0, "\(command): exit \(r.status)\n\(r.stdout)\(r.stderr)")
        }
        #expect(CLI.exitStatus(of: live) == 2, "rolled back by the README's rollback")

        let afterExpected: [String: Int32] = [
            "rampart runs": 0, "rampart runs show RUN": 0, "rampart replay RUN --headless": 2, "rampart replay RUN --judge policy.yaml": 0,
            "rampart recover [RUN]": 0, "rampart recover --spec FILE": 0,
            // Refused: the steered run was rolled back, not promoted (PromotionRollbackCLITests
            // roll back promotions on every router).
            "rampart rollback RUN --reason \"users report wrong answers\"": 1,
        ]
        for command in afterARun {
            let r = try await CLI.run(Self.arguments(command, run: "steered"), in: dir)
            #expect(r.status == afterExpected[command], "\(command): exit \(r.status)\n\(r.stdout.suffix(300))\(r.stderr.suffix(600))")
        }
    }
}
