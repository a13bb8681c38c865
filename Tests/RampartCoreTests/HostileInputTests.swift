import Foundation
import Testing

@testable import RampartCore

/// Text and numbers from outside that once drove the terminal or trapped the process.
struct TerminalTextTests {
    @Test(arguments: [
        ("plain ascii stays", "plain ascii stays"),
        ("title \u{1B}]0;pwned\u{07}after", "title after"),
        ("clip \u{1B}]52;c;Y3VybA==\u{1B}\\after", "clip after"),
        ("clear \u{1B}[2J\u{1B}[1;1Hafter", "clear after"),
        ("colour \u{1B}[38;5;196mred\u{1B}[0m", "colour red"),
        ("c1 csi \u{9B}31mred", "c1 csi red"),
        ("dcs \u{1B}Pq#0;2;0;0;0\u{1B}\\after", "dcs after"),
        ("charset \u{1B}(Bafter", "charset after"),
        ("bidi \u{202E}txt.exe\u{202C} \u{2066}x\u{2069}", "bidi txt.exe x"),
        ("lines\nand\ttabs\r", "lines and tabs "),
        ("bell\u{07} nul\u{00} del\u{7F}", "bell nul del"),
        ("unicode stays: café, 日本, 🙂", "unicode stays: café, 日本, 🙂"),
        ("unterminated \u{1B}]0;never ends", "unterminated "),
        ("lone escape at the end \u{1B}", "lone escape at the end "),
    ])
    func sanitize(_ input: String, _ expected: String) {
        #expect(TerminalText.sanitize(input) == expected)
    }

    @Test func eventLinesAreSanitized() {
        let command = OperatorCommand(.rollback, operator: "eve\u{1B}]0;x\u{07}", reason: "why\u{1B}[2J")
        let line = EventLine.format(RunEvent(t: 1, .operatorAction(OperatorAction(command: command, accepted: true, note: "ok"))))
        #expect(!line.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(line.contains("eve rollback (\"why\")"))
    }
}

struct AbsurdNumberTests {
    @Test func formatsNeverTrap() {
        #expect(DurationText.format(1e300) == ">10000h")
        #expect(DurationText.format(.infinity) == ">10000h")
        #expect(DurationText.format(.nan) == "?")
        #expect(DurationText.format(-5) == "0s")
        #expect(DurationText.format(90) == "1m30s")
        #expect(EventLine.clock(1e19) == EventLine.clock(.infinity))
        #expect(EventLine.clock(-3) == "00:00.0")
        #expect(EventLine.clock(.nan) == "00:00.0")
        #expect(Int(saturating: 1e300) == Int.max && Int(saturating: -1e300) == Int.min && Int(saturating: .nan) == 0 && Int(saturating: 41.9) == 41)
    }

    @Test func hostileBatchIndicesAreSkipped() throws {
        let json =
            #"{"weight":10,"variants":"bc","latency":[1,2],"prompt":[1,1],"completion":[1,1],"cost":[0,0],"failed":[-1,7],"status":[[-2,500],[1,503]],"quality":[[1e300,0.5],[-4,0.5],[1,0.9]],"critical":[99],"synthetic":true,"ttft":[[1e19,3]]}"#
        let batch = try JSONDecoder().decode(ObservationBatch.self, from: Data(json.utf8))
        let o = batch.observations
        #expect(o.count == 2)
        #expect(o[1].quality == 0.9 && o[1].status == 503 && o[0].quality == nil && !o[0].failed)
    }

    @Test func durationsInASpecHaveAnUpperBound() throws {
        let dir = Paths.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/data", withIntermediateDirectories: true)
        try #"{"id": "g1", "input": "q", "references": ["a"]}"#.write(toFile: dir + "/data/golden.jsonl", atomically: true, encoding: .utf8)
        let spec = """
            format: 1
            name: fixture
            baseline: { provider: sim, model: m, version: "1.0" }
            candidate: { provider: sim, model: m, version: "1.1" }
            canary:
              traffic: { rate: 10, dataset: data/golden.jsonl }
              analysis_interval: 1e299
              steps:
                - { weight: 10, bake: 1e300, timeout: 31d }
              metrics:
                - { metric: latency_p95, max_ratio: 1.2 }
            """
        try spec.write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        #expect(throws: InvalidInput.self) { try SpecLoader.load(file: dir + "/spec.yaml") }
        do {
            _ = try SpecLoader.load(file: dir + "/spec.yaml")
        } catch {
            let messages = error.diagnostics.map { "\($0.path): \($0.message)" }
            #expect(messages.contains("canary.analysis_interval: must be at most 720h, got '1e299'"), "\(messages)")
            #expect(messages.contains("canary.steps[0].bake: must be at most 720h, got '1e300'"), "\(messages)")
        }
    }
}

struct RedactorDerivedFormsTests {
    @Test func aKeyWithoutItsPrefixIsStillMasked() {
        let r = Redactor(environment: ["GW_KEY": "sk-proj-abcdefghijklmnop1234"], named: ["GW_KEY"])
        #expect(r.redact("key sk-proj-abcdefghijklmnop1234 here") == "key [REDACTED] here")
        #expect(r.redact("printed as abcdefghijklmnop1234 by a script") == "printed as [REDACTED] by a script")
        #expect(r.redact("or proj-abcdefghijklmnop1234") == "or [REDACTED]")
        #expect(r.redact("the word sk- alone stays") == "the word sk- alone stays")
        #expect(Redactor.withoutPrefixes("short-abc") == [], "too little left to be worth masking")
    }
}

struct BoundedScorerTests {
    @Test func aCatastrophicRegexGivesUpWithAReasonNotAScore() {
        let r = ScoreMetric.regex.score(candidate: String(repeating: "x", count: 40), references: [], parameters: .init(pattern: "(x+x+)+y"))
        #expect(r.error?.contains("catastrophic backtracking") == true)
        let ok = ScoreMetric.regex.score(candidate: "order #1234 shipped", references: [], parameters: .init(pattern: "#[0-9]+"))
        #expect(ok.error == nil && ok.score == 1)
        let miss = ScoreMetric.regex.score(candidate: String(repeating: "ab", count: 5000), references: [], parameters: .init(pattern: "z"))
        #expect(miss.error == nil && miss.score == 0, "a long text without a match is a plain 0")
    }

    @Test func boundedEditDistanceIsExactWheneverItAnswers() {
        var rng = SeededRandom(seed: 7, stream: "lev")
        for _ in 0..<300 {
            func word() -> String { String((0..<rng.index(below: 30)).map { _ in Character(UnicodeScalar(UInt8(97 + rng.index(below: 4)))) }) }
            let a = word(), b = word()
            #expect(Levenshtein.boundedSimilarity(a, b) == Levenshtein.similarity(a, b), "\(a) / \(b)")
        }
        let long = String(repeating: "abcdefghij", count: 20_000)
        var changed = Array(long)
        changed[100_000] = "Z"
        #expect(Levenshtein.boundedSimilarity(long, String(changed)) == 1 - 1.0 / 200_000, "common ends cost nothing")
        let other = String(repeating: "jihgfedcba", count: 20_000)
        #expect(Levenshtein.boundedSimilarity(long, other) == nil, "200k × 200k cells is past the bound")
        #expect(ScoreMetric.levenshtein.score(candidate: long, references: [other]).error != nil)
    }
}

/// `sanitize` skips its scalar-by-scalar pass when a byte scan finds nothing to remove: the
/// scan must flag exactly the scalars that pass would change.
struct SanitizeFastPathTests {
    @Test func theByteScanFlagsExactlyWhatThePassChanges() {
        var scalars = Array(0..<0x3000) + Array(0xFE00..<0x10000) + [0x1F600, 0x10FFFF]
        scalars.removeAll { (0xD800..<0xE000).contains($0) }
        for value in scalars {
            let c = Character(Unicode.Scalar(UInt32(value))!)
            // Short, and long enough for the eight-byte scan at every offset of a word.
            for text in ["a\(c)b"] + (0..<8).map({ String(repeating: "x", count: $0) + "\(c)" + String(repeating: "y", count: 17) }) {
                let changed = TerminalText.removingControls(text) != text
                #expect(TerminalText.needsSanitizing(text) == changed, "U+\(String(value, radix: 16)) in \(text.debugDescription)")
            }
        }
    }
}
