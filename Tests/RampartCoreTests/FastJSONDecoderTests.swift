import Foundation
import Testing

@testable import RampartCore

/// The fast decoder may only ever agree with Foundation's: for every text, it either gives
/// up (nil) or gives what Foundation gives, down to the sign of a zero. And for what Rampart
/// writes itself it must not give up, or the run file reader would be slow again unseen.
struct FastJSONDecoderTests {
    static func fast<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        var text = text
        return text.withUTF8 { FastJSONDecoder.decode(type, from: UnsafeRawBufferPointer($0)) }
    }

    static func foundation<T: Decodable>(_ type: T.Type, _ text: String) -> T? {
        try? JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// Same value and same encoding (Equatable cannot tell -0.0 from 0.0).
    static func agree<T: Codable & Equatable>(_ type: T.Type, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let mine = fast(type, text) else { return }
        let theirs = foundation(type, text)
        #expect(theirs == mine, "\(text)", sourceLocation: sourceLocation)
        let encoder = RunFileCodec.encoder()
        #expect((try? encoder.encode(mine)) == (try? encoder.encode(theirs)), "\(text)", sourceLocation: sourceLocation)
    }

    /// The sequential judge's rollback test over all metrics, as its analyses carry it.
    static func combined(_ a: CanaryAnalysis) -> CanaryAnalysis {
        var a = a
        a.rollbackEvidence = 2.25
        a.rollbackBoundary = 2.995732273553991
        return a
    }

    static var richEvents: [RunEvent] {
        var evidence = MetricEvidence(
            scale: "log-ratio", estimate: -0.0123, lower: -0.2, upper: 0.18, margin: 0.182, evidence: 1.5, boundary: 3.7, nBaseline: 800,
            nCandidate: 200, eta: nil, leaning: "safe", tolerance: 0.25)
        evidence.rollbackEvidence = -0.5
        evidence.requestsToDecision = 1234
        var snapshot = MetricsSnapshot(
            step: 2, weight: 12.5,
            baseline: ArmMetrics(
                requests: 500, errors: 2, latencyP50: 850, latencyP95: 1900.25, latencyP99: 2600, errorRate: 0.004, tokensPerRequest: 100,
                costPerRequest: 1e-4, quality: 0.93, qualitySamples: 120, criticalEvents: 0),
            candidate: ArmMetrics(requests: 7), candidateTotal: 99)
        snapshot.recentBaseline = ArmMetrics(requests: 3, errors: 1, latencyP50: 0.1)
        let observations = (0..<6).map { i in
            var o = Observation(
                variant: i % 2 == 0 ? .candidate : .baseline, latencyMs: 100.5 + Double(i), promptTokens: 60, completionTokens: 40 + i,
                cost: 0.000_123)
            o.failed = i == 3
            o.status = i == 3 ? 503 : 200
            o.quality = i == 2 ? 0.75 : nil
            o.ttftMs = i == 4 ? 12.3 : nil
            return o
        }
        return RunFileCodecTests.sampleEvents + [
            RunEvent(t: 20, .metrics(snapshot)),
            RunEvent(
                t: 21,
                .analysis(
                    combined(
                        CanaryAnalysis(
                            step: 2,
                            results: [
                                MetricResult(
                                    metric: .latencyP95, baseline: 1900, candidate: 2000, limit: 2375, status: .undecided, consecutiveFailures: 0,
                                    evidence: evidence)
                            ], decision: .continue, reason: "sequential: p95 undecided", judge: "sequential", ready: false, score: nil,
                            source: nil)))),
            RunEvent(t: 22, .observations(ObservationBatch(weight: 12.5, observations: observations))),
        ]
    }

    @Test func everythingRampartWritesIsDecodedFastAndTheSame() throws {
        for event in Self.richEvents {
            let line = try RunFileCodec.line(event: event)
            let mine = try #require(Self.fast(RunEvent.self, line), "gave up on \(event.kindName): \(line)")
            #expect(mine == event)
            Self.agree(RunEvent.self, line)
        }
        let header = try RunFileCodec.line(header: RunFileCodecTests().header)
        #expect(Self.fast(RunHeader.self, header) == RunFileCodecTests().header)
    }

    struct Sample: Codable, Equatable {
        var i: Int
        var d: Double
        var s: String
        var o: Double?
        var b: Bool?
        var a: [Int]?
    }

    @Test(arguments: [
        #"{"i":1,"d":2,"s":"x"}"#,
        #"{"i":-0,"d":-0,"s":""}"#,
        #"{"i":1,"d":-0.0,"s":"x"}"#,
        #"{"i":1,"d":1e-400,"s":"x"}"#,
        #"{"i":1,"d":0e-400,"s":"x"}"#,
        #"{"i":1,"d":1e400,"s":"x"}"#,
        #"{"i":1.0,"d":2,"s":"x"}"#,
        #"{"i":1e2,"d":2,"s":"x"}"#,
        #"{"i":9223372036854775807,"d":2,"s":"x"}"#,
        #"{"i":9223372036854775808,"d":2,"s":"x"}"#,
        #"{"i":123456789012345678,"d":12345678901234567890,"s":"x"}"#,
        #"{"i":1,"d":0.1000000000000000055511151231257827,"s":"x"}"#,
        #"{"i":1,"d":2.2250738585072011e-308,"s":"x"}"#,
        #"{"i":1,"i":2,"d":2,"s":"x"}"#,
        #"{"i":1,"d":2,"s":"x","\u0069":5}"#,
        #"{"i":1,"d":2,"s":"a\"b\u00e9\ud83d\ude00"}"#,
        #"{"i":1,"d":2,"s":"\ud800"}"#,
        #"{"i":1,"d":2,"s":"é ✓"}"#,
        #"{"i":1,"d":2,"s":"x","o":null,"b":null,"a":null}"#,
        #"{"i":1,"d":2,"s":"x","o":3.5,"b":true,"a":[1,2,-3]}"#,
        #"{"i":1,"d":2,"s":"x","a":[1,null]}"#,
        #"{"i":1,"d":null,"s":"x"}"#,
        #"{"i":"1","d":2,"s":"x"}"#,
        #"{"i":1,"d":"2","s":"x"}"#,
        #"{"i":1,"d":2,"s":3}"#,
        #"{"i":1,"d":2,"s":"x","b":1}"#,
        #"{"i":1,"d":2}"#,
        #"{"i":1,"d":2,"s":"x","extra":{"deep":[[[{}]]]}}"#,
        #" { "i" : 1 , "d" : 2 , "s" : "x" } "#,
        #"{"i":01,"d":2,"s":"x"}"#,
        #"{"i":1,"d":2.,"s":"x"}"#,
        #"{"i":1,"d":.5,"s":"x"}"#,
        #"{"i":1,"d":2,"s":"x",}"#,
        #"{"i":1,"d":2,"s":"x"} x"#,
        #"{"i":1,"d":+2,"s":"x"}"#,
        #"{"i":1,"d":NaN,"s":"x"}"#,
        "{\"i\":1,\"d\":2,\"s\":\"tab\there\"}",
        #"[{"i":1,"d":2,"s":"x"}]"#,
        "",
    ])
    func trickyTextsAgreeOrAreLeftToFoundation(text: String) {
        Self.agree(Sample.self, text)
    }

    @Test func plainSamplesAreFastAndExact() throws {
        let mine = try #require(Self.fast(Sample.self, #"{"i":-42,"d":0.1,"s":"é","o":1e-5,"b":false,"a":[]}"#))
        #expect(mine == Sample(i: -42, d: 0.1, s: "é", o: 1e-5, b: false, a: []))
        #expect(Self.fast(Sample.self, #"{"i":1,"d":-0,"s":""}"#)?.d.sign == .minus)
    }

    /// Mutations of real lines (bytes flipped, cut, duplicated): whatever the fast decoder
    /// accepts, Foundation accepts with the same value.
    @Test func mutatedLinesAgreeOrAreLeftToFoundation() throws {
        let lines = try Self.richEvents.map { Array(try RunFileCodec.line(event: $0).utf8) }
        var rng = SeededRandom(seed: 11, stream: "fast-json")
        let alphabet = Array(#"{}[]":,.-+eE0123456789 nultrfas\x"#.utf8)
        var accepted = 0
        for round in 0..<6_000 {
            var bytes = lines[round % lines.count]
            for _ in 0...rng.index(below: 3) {
                let at = rng.index(below: bytes.count)
                switch rng.index(below: 3) {
                case 0: bytes[at] = alphabet[rng.index(below: alphabet.count)]
                case 1: bytes.remove(at: at)
                default: bytes.insert(alphabet[rng.index(below: alphabet.count)], at: at)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if Self.fast(RunEvent.self, text) != nil { accepted += 1 }
            Self.agree(RunEvent.self, text)
        }
        #expect(accepted > 100)  // the comparison saw mutants that still decode
    }
}

/// The hand-written decoders of metrics snapshots and analyses (`CanaryEvents+Tape.swift`):
/// members dropped, nulled, retyped, doubled and reordered, the way an old, new or edited run
/// file may hold them. Whatever the fast decoder accepts, Foundation accepts with the same value.
struct HandDecoderAgreementTests {
    static let replacements: [String] = ["null", "\"x\"", "1", "-0", "1.5", "true", "[]", "{}", "1e400", "9223372036854775808"]

    /// Every object's members, at every depth, each edited one way at random.
    static func edit(_ value: Any, _ rng: inout SeededRandom) -> String {
        if let object = value as? [String: Any] {
            var members = object.keys.sorted().map { key in "\(literal(key)):\(edit(object[key]!, &rng))" }
            switch rng.index(below: 6) {
            case 0 where !members.isEmpty: members.remove(at: rng.index(below: members.count))
            case 1 where !members.isEmpty:
                let k = rng.index(below: members.count)
                let key = members[k].prefix { $0 != ":" }
                members[k] = "\(key):\(replacements[rng.index(below: replacements.count)])"
            case 2 where !members.isEmpty:
                // The same key again, with its own value or another.
                let member = members[rng.index(below: members.count)]
                let value = rng.chance(0.5) ? String(member.drop { $0 != ":" }.dropFirst()) : replacements[rng.index(below: replacements.count)]
                members.insert("\(member.prefix { $0 != ":" }):\(value)", at: rng.index(below: members.count + 1))
            case 3: members.shuffle(using: &rng)
            case 4: members.append("\"unknown_member\":{\"a\":[1,2]}")
            default: break
            }
            return "{" + members.joined(separator: ",") + "}"
        }
        if let array = value as? [Any] { return "[" + array.map { edit($0, &rng) }.joined(separator: ",") + "]" }
        return literal(value)
    }

    static func literal(_ value: Any) -> String {
        // Why `!`: the values come from JSONSerialization, which only makes serializable ones.
        String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]), as: UTF8.self)
    }

    @Test func editedSnapshotsAndAnalysesAgreeOrAreLeftToFoundation() throws {
        let lines = try FastJSONDecoderTests.richEvents.filter { ["metrics", "analysis"].contains($0.kindName) }.map {
            try RunFileCodec.line(event: $0)
        }
        #expect(lines.count >= 2)
        var rng = SeededRandom(seed: 5, stream: "hand-decoders")
        var accepted = 0, refused = 0
        for round in 0..<4_000 {
            let object = try JSONSerialization.jsonObject(with: Data(lines[round % lines.count].utf8))
            let text = Self.edit(object, &rng)
            if FastJSONDecoderTests.fast(RunEvent.self, text) != nil { accepted += 1 } else { refused += 1 }
            FastJSONDecoderTests.agree(RunEvent.self, text)
        }
        // Both sides of the comparison were exercised.
        #expect(accepted > 200)
        #expect(refused > 200)
    }

    @Test func reorderedMembersAreStillReadFast() throws {
        for event in FastJSONDecoderTests.richEvents where ["metrics", "analysis"].contains(event.kindName) {
            var rng = SeededRandom(seed: 9, stream: event.kindName)
            let object = try JSONSerialization.jsonObject(with: Data(try RunFileCodec.line(event: event).utf8)) as! [String: Any]
            func shuffled(_ value: Any) -> String {
                if let o = value as? [String: Any] {
                    return "{" + o.keys.shuffled(using: &rng).map { "\(Self.literal($0)):\(shuffled(o[$0]!))" }.joined(separator: ",") + "}"
                }
                if let a = value as? [Any] { return "[" + a.map(shuffled).joined(separator: ",") + "]" }
                return Self.literal(value)
            }
            let text = shuffled(object)
            #expect(FastJSONDecoderTests.fast(RunEvent.self, text) == event, "\(text)")
        }
    }
}

/// `String.exactly(utf8:)` stands in for `String(validating:as:)` on every string the tape reads.
@Suite struct ExactUTF8Tests {
    @Test func itAnswersAsValidatingDoesOnValidAndBrokenBytes() {
        let cases: [[UInt8]] = [
            [], Array("plain".utf8), Array("héllo wörld ✓ 𝄞".utf8),
            [0xFF], [0xC3], [0xE1, 0x80], [0xF0, 0x90, 0x80], [0xF0, 0x90, 0x80, 0x41], [0xED, 0xA0, 0x80], [0xC0, 0xAF],
            [0xEF, 0xBF, 0xBD], [0x41, 0xF4, 0x90, 0x80, 0x80], [0x80, 0x41],
        ]
        var random = SeededRandom(seed: 7)
        let pieces: [UInt8] = [0x41, 0x20, 0x80, 0xBF, 0xC3, 0xA9, 0xE2, 0x9C, 0x93, 0xED, 0xA0, 0xF0, 0x9D, 0x84, 0x9E, 0xFF]
        let generated = (0..<20_000).map { _ in (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! } }
        var valid = 0, invalid = 0
        for bytes in cases + generated {
            let reference = String(validating: bytes, as: UTF8.self)
            let ours = bytes.withUnsafeBytes { String.exactly(utf8: $0) }
            #expect(ours == reference, "\(bytes)")
            if reference == nil { invalid += 1 } else { valid += 1 }
        }
        #expect(valid > 1000 && invalid > 1000, "both kinds tried: \(valid) valid, \(invalid) invalid")
    }
}
