import Foundation
import Testing

@testable import RampartCore

/// Each fixture in Fixtures/specs ends with `# expect: LINE:COL PATH | MESSAGE` lines naming
/// exactly the diagnostics it must produce; a fixture without them must load.
struct SpecFixtureTests {
    static let fixtures: [String] = {
        let dir = Paths.fixture("specs")
        return (try! FileManager.default.contentsOfDirectory(atPath: dir)).filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    struct Expected: Equatable, CustomStringConvertible {
        var line: Int, column: Int, path: String, message: String
        var description: String { "\(line):\(column) \(path) | \(message)" }
    }

    static func expectations(in file: String) throws -> [Expected] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("# expect: ") else { return nil }
            let body = line.dropFirst("# expect: ".count)
            let halves = body.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let head = halves[0].split(separator: " ", maxSplits: 1)
            let lc = head[0].split(separator: ":")
            return Expected(line: Int(lc[0])!, column: Int(lc[1])!, path: head.count > 1 ? String(head[1]) : "", message: halves[1])
        }
    }

    @Test("every malformed fixture reports exactly its expected diagnostics", arguments: fixtures)
    func fixture(_ name: String) throws {
        let file = Paths.fixture("specs/\(name)")
        let expected = try Self.expectations(in: file)
        do {
            let spec = try SpecLoader.load(file: file)
            #expect(expected.isEmpty, "\(name) loaded, but should have failed with \(expected)")
            #expect(spec.name == "fixture")
        } catch {
            #expect(!expected.isEmpty, "\(name) failed unexpectedly: \(error)")
            let got = error.diagnostics.map {
                Expected(line: $0.line, column: $0.column, path: $0.path, message: $0.message.components(separatedBy: " (looked in")[0])
            }
            #expect(got == expected)
            #expect(error.diagnostics.allSatisfy { $0.file == file })
        }
    }

    @Test func validationCoversEveryErrorPathWithAFixture() {
        // A guard against the fixture set silently shrinking.
        #expect(Self.fixtures.count >= 20)
    }
}

struct SpecLoaderTests {
    @Test func demoSpecLoadsWithEveryField() throws {
        let spec = try SpecLoader.load(file: Paths.example("demo.yaml"))
        #expect(spec.name == "support-bot")
        #expect(spec.seed == 42)
        #expect(spec.candidate.label == "acme-chat@2025-09-14")
        #expect(spec.baseline.sim.latencyMedianMs == 900)
        #expect(spec.candidate.pricing.completionPer1K == 0.0015)
        #expect(spec.build.map(\.name) == ["lint-prompts", "package"])
        #expect(spec.build[0].timeout == 30)
        #expect(spec.gates.map(\.kind) == [.golden, .guardrail, .injection, .tone])
        #expect(spec.gates[0].samples == 3)
        #expect(spec.gates[2].thresholds.maxLeakRate == 0.10)
        #expect(spec.gates[0].thresholds.minPassRate == 0.85)
        #expect(spec.gates[0].thresholds.passScore == 0.8)
        #expect(spec.gates[0].blockWhenInconclusive)
        let canary = try #require(spec.canary)
        #expect(canary.steps.map(\.weight) == [10, 25, 50])
        #expect(canary.steps[0].minRequests == 100)
        #expect(canary.steps[0].timeout == CanaryStep.defaultTimeout(bake: 30))
        #expect(canary.metrics.first { $0.metric == .quality }?.maxDecrease == 0.05)
        #expect(spec.notify.count == 1)
        #expect(spec.candidate.promptTemplate?.hasSuffix("prompts/support-v2.txt") == true)
    }

    @Test func allowUnpinnedKeepsTheFloatingVersionVisible() throws {
        let spec = try SpecLoader.load(file: Paths.fixture("specs/allow-unpinned.yaml"))
        #expect(spec.candidate.version == "latest")
        #expect(spec.candidate.allowUnpinned)
    }

    @Test(arguments: ["latest", "LATEST", "*", "stable", "''"])
    func floatingVersionsAreRefused(_ version: String) throws {
        let text = """
            name: x
            baseline: { provider: sim, model: m, version: "1" }
            candidate: { provider: sim, model: m, version: \(version) }
            """
        #expect(throws: InvalidInput.self) { try SpecLoader.parse(text, file: "inline.yaml", directory: ".") }
    }

    @Test func percentWeightsAndDurationsParse() throws {
        let text = """
            name: x
            baseline: { provider: sim, model: m, version: "1" }
            candidate: { provider: sim, model: m, version: "2" }
            canary:
              traffic: { rate: 1, dataset: \(Paths.fixture("specs/data/golden.jsonl")) }
              steps: [ { weight: 12.5%, bake: 1m30s, timeout: 1h } ]
              metrics: [ { metric: quality, min: 0.5 } ]
            """
        let spec = try SpecLoader.parse(text, file: "inline.yaml", directory: ".")
        #expect(spec.canary?.steps[0].weight == 12.5)
        #expect(spec.canary?.steps[0].bake == 90)
        #expect(spec.canary?.steps[0].timeout == 3600)
    }

    @Test func aMissingSpecFileIsADiagnosticNotACrash() {
        do {
            _ = try SpecLoader.load(file: "/nonexistent/spec.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.diagnostics.count == 1)
            #expect(error.description.contains("/nonexistent/spec.yaml:1:1: cannot read the spec"))
        }
    }
}

struct DurationTextTests {
    @Test func parses() {
        #expect(DurationText.seconds(from: "250ms") == 0.25)
        #expect(DurationText.seconds(from: "30s") == 30)
        #expect(DurationText.seconds(from: "5m") == 300)
        #expect(DurationText.seconds(from: "1h30m") == 5400)
        #expect(DurationText.seconds(from: "12") == 12)
        #expect(DurationText.seconds(from: "5 minutes") == nil)
        #expect(DurationText.seconds(from: "-5s") == nil)
        #expect(DurationText.seconds(from: "m") == nil)
        #expect(DurationText.seconds(from: "") == nil)
    }

    @Test func formats() {
        #expect(DurationText.format(90) == "1m30s")
        #expect(DurationText.format(0) == "0s")
        #expect(DurationText.format(0.25) == "250ms")
        #expect(DurationText.format(7500) == "2h5m")
    }
}

struct PromptTemplateTests {
    @Test func substitutesKnownAndKeepsUnknownVisible() {
        #expect(PromptTemplate.render("Hi {{ name }}, {{input}}! {{missing}}", vars: ["name": "Ada", "input": "q"]) == "Hi Ada, q! {{missing}}")
        #expect(PromptTemplate.render("open {{ never closed", vars: [:]) == "open {{ never closed")
    }
}

/// One name, two spellings: the CLI says `rouge-l`, specs say `rouge_l`; both are accepted
/// wherever a name is chosen from a list, and a typo still gets its suggestion.
struct SpellingTests {
    func spec(metric: String) -> String {
        """
        name: x
        baseline: { provider: sim, model: m, version: "1" }
        candidate: { provider: sim, model: m, version: "2" }
        gates:
          - { name: g, kind: golden, dataset: \(Paths.fixture("specs/data/golden.jsonl")), metric: \(metric), thresholds: { min_score: 0.5 } }
        """
    }

    @Test func hyphensAndUnderscoresNameTheSameChoice() throws {
        for spelling in ["rouge_l", "rouge-l"] {
            let s = try SpecLoader.parse(spec(metric: spelling), file: "t.yaml", directory: ".")
            #expect(s.gates.first?.metric == .rougeL, "\(spelling)")
        }
        do {
            _ = try SpecLoader.parse(spec(metric: "rouge-x"), file: "t.yaml", directory: ".")
            Issue.record("rouge-x was accepted")
        } catch {
            #expect(error.diagnostics.first?.message.contains("must be one of: token_f1") == true, "\(error)")
        }
        #expect(ScoreMetric.named("Rouge_L") == .rougeL && ScoreMetric.named("token_f1") == .tokenF1 && ScoreMetric.named("rouge_x") == nil)
    }
}
