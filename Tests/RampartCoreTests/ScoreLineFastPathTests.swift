import Foundation
import Testing

@testable import RampartCore

/// `rampart score`'s fast line path reads and writes exactly what the Foundation path does:
/// a line it reads gives the same input as `ScoreInput.parse`, a line it leaves alone is one
/// `parse` must see (a missing, null or mistyped field, a schema, a regex line, odd JSON), and
/// every output line is byte for byte `JSONEncoder`'s.
struct ScoreLineFastPathTests {
    static func fast(_ line: String, _ metric: ScoreMetric) -> ScoreInput? {
        var line = line
        return line.withUTF8 { ScoreInput.parseFast(UnsafeRawBufferPointer($0), metric: metric) }
    }

    @Test(arguments: [
        (#"{"candidate": "a b", "reference": "a c"}"#, ScoreMetric.rougeL),
        (#"{"candidate": "a", "references": ["b", "c\n\u00e9"]}"#, .bleu),
        (#"{"text": "good", "candidate": "bad"}"#, .vader),
        (#"{"candidate": "bad"}"#, .vader),
        (#"{"candidate": "x", "reference": "y", "references": ["z"]}"#, .tokenF1),
        (#"{"candidate":"tab\tquote\" slash\/ \ud83d\ude00","reference":"r","extra":[1,{"k":null}]}"#, .exact),
    ])
    func wellFormedLinesReadAsParseReadsThem(_ line: String, _ metric: ScoreMetric) throws {
        let fast = try #require(Self.fast(line, metric), "the fast path reads \(line)")
        guard case .success(let general) = ScoreInput.parse(line, metric: metric) else {
            Issue.record("parse refused \(line)")
            return
        }
        #expect(fast.candidate == general.candidate && fast.references == general.references)
        #expect(fast.parameters.schema == nil && fast.parameters.pattern == nil)
    }

    /// Each of these is left to `parse`, which either reads it (schema, regex, a duplicate key
    /// Foundation settles) or names what is wrong.
    @Test(arguments: [
        (#"{"text": null, "candidate": "x"}"#, ScoreMetric.vader),
        (#"{"text": 5}"#, .vader),
        (#"{"text": "{}", "schema": {"type": "object"}}"#, .json),
        (#"{"candidate": "a", "pattern": "a+"}"#, .regex),
        (#"{"candidate": "a", "references": []}"#, .bleu),
        (#"{"candidate": "a", "references": ["b", 1]}"#, .bleu),
        (#"{"candidate": "a", "reference": null}"#, .rougeL),
        (#"{"candidate": "a"}"#, .rougeL),
        (#"{"candidate": "a", "candidate": "b", "reference": "c"}"#, .rougeL),
        (#"["candidate", "a"]"#, .rougeL),
        (#"{"candidate": "a", "reference": "b"} x"#, .rougeL),
        (#"{"candidate": "a\u0", "reference": "b"}"#, .rougeL),
    ])
    func otherLinesAreLeftToParse(_ line: String, _ metric: ScoreMetric) {
        #expect(Self.fast(line, metric) == nil, "\(line)")
    }

    /// Members the fast path does not read must still be JSON Foundation accepts: a line it
    /// refuses is refused either way (found by the fuzzer: an invalid escape in "pattern").
    @Test(arguments: [
        ##"{"text": "a", "pattern": "#[0-9]{4}\efunds"}"##,
        #"{"text": "a", "other": "\ud800"}"#,
        #"{"text": "a", "other": "\udc00\ud800"}"#,
        #"{"text": "a", "other": "\u00G0"}"#,
        #"{"text": "a", "other": "\"}"#,
        #"{"text": "a", "other": 1e999}"#,
        #"{"text": "a", "other": -0.0, "more": [1, 2.5e-300, true, null, {"k": "\ud83d\ude00"}]}"#,
    ])
    func unreadMembersAreHeldToFoundationsRules(_ line: String) {
        let fast = Self.fast(line, .vader)
        switch ScoreInput.parse(line, metric: .vader) {
        case .success(let general):
            if let fast { #expect(fast.candidate == general.candidate, "\(line)") }
        case .failure(let message):
            #expect(fast == nil, "\(line): Foundation says \(message), the fast path read it")
        }
    }

    static func foundationBytes(_ output: ScoreOutput) throws -> [UInt8] {
        Array(try RunFileCodec.encoder().encode(output))
    }

    static func written(_ output: ScoreOutput) -> [UInt8]? {
        var json = JSONWriter()
        return output.write(to: &json) ? json.bytes : nil
    }

    @Test func outputLinesAreJSONEncodersBytes() throws {
        var rng = SeededRandom(seed: 5, stream: "score-output")
        func number() -> Double {
            switch rng.index(below: 8) {
            case 0: return 0
            case 1: return -0.0
            case 2: return 1
            case 3: return Double(rng.index(below: 1000)) / 8
            case 4: return rng.unit() * 1e-7
            case 5: return rng.unit() * 1e21
            case 6: return -rng.unit()
            default: return rng.unit()
            }
        }
        let signatures = ["rouge-l|rouge-score-0.1.2|v1", "quote\" back\\ slash/ tab\t nl\n cr\r bell\u{7} esc\u{1B} del\u{7F} é 😀", ""]
        for round in 0..<5_000 {
            var r = ScoreMetric.Result(score: number(), signature: signatures[round % signatures.count])
            if rng.chance(0.5) { (r.precision, r.recall) = (number(), number()) }
            if rng.chance(0.3) { r.extras = ["pos": number(), "neu": number(), "neg": number()] }
            if rng.chance(0.2) { r.extras["valid_json"] = number() }
            if rng.chance(0.2) { r.extras["schema_errors"] = Double(rng.index(below: 4)) }
            let output = ScoreOutput(r)
            let mine = try #require(Self.written(output))
            let theirs = try Self.foundationBytes(output)
            #expect(mine == theirs, "\(String(decoding: mine, as: UTF8.self)) ≠ \(String(decoding: theirs, as: UTF8.self))")
        }
    }

    @Test func aNonFiniteNumberIsLeftToFoundation() {
        #expect(Self.written(ScoreOutput(ScoreMetric.Result(score: .nan, signature: "s"))) == nil)
        #expect(Self.written(ScoreOutput(ScoreMetric.Result(score: 1, precision: .infinity, signature: "s"))) == nil)
    }
}

/// `rampart score --metric token-f1` scores plain ASCII lines straight from their bytes; the
/// score must be what reading the line (`parse`) and scoring its strings gives, and every line
/// it does not take must be one the general path handles.
struct TokenF1LinePathTests {
    static func fast(_ line: String) -> Double? {
        var line = line
        return line.withUTF8 { ScoreInput.tokenF1Fast(UnsafeRawBufferPointer($0)) }.map {
            #expect($0.signature == TokenF1.signature)
            return $0.score
        }
    }

    static func general(_ line: String) -> Double? {
        guard case .success(let input) = ScoreInput.parse(line, metric: .tokenF1) else { return nil }
        return ScoreMetric.tokenF1.score(candidate: input.candidate, references: input.references).score
    }

    @Test func randomLinesScoreAsTheirStringsDo() throws {
        var rng = SeededRandom(seed: 3, stream: "token-f1-lines")
        let words = ["the", "The", "a", "An", "refund", "Refund,", "days.", "order", "(order)", "it's", "30", "x-y", "", "  "]
        let rare = ["\\t", "é", "\\u00e9", "\\\"q\\\""]  // escapes and non-ASCII: left to the general path
        func word() -> String { rng.chance(0.02) ? rare[rng.index(below: rare.count)] : words[rng.index(below: words.count)] }
        func text() -> String { (0..<rng.index(below: 12)).map { _ in word() }.joined(separator: " ") }
        var taken = 0
        for round in 0..<3_000 {
            let candidate = "\"candidate\": \"\(text())\""
            let line: String
            switch round % 4 {
            case 0: line = "{\(candidate), \"reference\": \"\(text())\"}"
            case 1: line = "{\"references\": [\((0..<(1 + rng.index(below: 3))).map { _ in "\"\(text())\"" }.joined(separator: ", "))], \(candidate)}"
            case 2: line = "{\(candidate), \"reference\": \"\(text())\", \"references\": [\"\(text())\"], \"id\": \(round)}"
            default: line = "{\(candidate), \"references\": [], \"reference\": \"\(text())\"}"
            }
            let general = Self.general(line)
            if let fast = Self.fast(line) {
                taken += 1
                #expect(general == fast, "\(line)")
            }
        }
        #expect(taken > 800)  // the comparison saw many lines the fast path took
    }

    @Test(arguments: [
        #"{"candidate": "a\u0062", "reference": "ab"}"#,
        #"{"candidate": "café", "reference": "café"}"#,
        #"{"candidate": "a", "reference": 5}"#,
        #"{"candidate": "a", "text": null, "reference": "a"}"#,
        #"{"candidate": "a", "references": ["a", 1]}"#,
        #"{"candidate": "a", "references": []}"#,
        #"{"candidate": "a", "reference": "a", "schema": {}}"#,
        #"{"candidate": "a", "candidate": "a", "reference": "a"}"#,
        #"{"reference": "a"}"#,
    ])
    func linesItDoesNotTakeAreLeftToTheGeneralPath(_ line: String) {
        #expect(Self.fast(line) == nil, "\(line)")
    }

    @Test func theChecksWithoutAStringSayWhatDecodeSays() {
        let inputs: [[UInt8]] = [
            Array("plain\nlines\n".utf8), Array("caf\u{e9}\n".utf8), [0x61, 0xC3, 0x0A], [0x61, 0x0A, 0xFF, 0x62], [0xED, 0xA0, 0x80],
            Array(repeating: 0x61, count: InputFile.maxLineBytes + 1),
        ]
        for bytes in inputs {
            let data = Data(bytes)
            var decodeError: String?
            do { _ = try InputFile.decode(data, file: "f", what: "the input") } catch { decodeError = "\(error)" }
            var checkError: String?
            do { try InputFile.check(data, file: "f", what: "the input") } catch { checkError = "\(error)" }
            #expect(decodeError == checkError, "\(bytes.prefix(8))")
        }
    }
}
