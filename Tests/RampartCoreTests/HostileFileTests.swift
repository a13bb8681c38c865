import Foundation
import Testing

@testable import RampartCore

/// Files and bodies from outside that once hung, exhausted memory or were reported at a
/// placeholder `1:1`. Inputs found by the fuzz targets (Tests/Fuzz) are added here.
struct HostileFileTests: InputFileTesting {
    @Test func devicesAndFIFOsAreRefusedNotReadForever() throws {
        let d = only { _ = try InputFile.read("/dev/zero", what: "the spec") }
        #expect(d?.message == "cannot read the spec: not a regular file (a device, socket or FIFO)")
        let fifo = Paths.temporaryDirectory() + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(only { _ = try InputFile.read(fifo, what: "the dataset") }?.message.contains("not a regular file") == true)
        #expect(only { _ = try InputFile.read(Paths.temporaryDirectory(), what: "the spec") }?.message == "cannot read the spec: it is a directory")
    }

    @Test func aSpecNamingADeviceAsItsPromptIsAnError() throws {
        let dir = Paths.temporaryDirectory()
        let spec = """
            format: 1
            name: device
            baseline: { provider: sim, model: m, version: "1", prompt_template: /dev/zero }
            candidate: { provider: sim, model: m, version: "2" }
            """
        try spec.write(toFile: dir + "/spec.yaml", atomically: true, encoding: .utf8)
        let problems: [Diagnostic]
        do {
            _ = try PipelineInputs.load(file: dir + "/spec.yaml", kinds: .builtIn)
            problems = []
        } catch {
            problems = error.diagnostics
        }
        #expect(problems.contains { $0.file == "/dev/zero" && $0.message.contains("not a regular file") }, "\(problems)")
    }

    @Test func aLineOverTheLimitIsRefusedWithItsNumber() throws {
        var bytes = Array("{\"id\": \"a\", \"input\": \"q\", \"reference\": \"r\"}\n".utf8)
        bytes += Array("{\"id\": \"b\", \"input\": \"".utf8) + [UInt8](repeating: 0x78, count: InputFile.maxLineBytes + 1) + Array("\"}\n".utf8)
        let path = try write(bytes, "long.jsonl")
        let d = only { _ = try DatasetLoader.golden(file: path) }
        #expect(d?.line == 2)
        #expect(d?.message.contains("line 2 of the dataset is 16.0 MB long; lines over 16 MB are refused") == true, "\(d?.message ?? "")")
        // A line at the limit is read.
        #expect(InputFile.longLine(in: Data([UInt8](repeating: 0x78, count: InputFile.maxLineBytes) + [0x0A, 0x79])) == nil)
    }

    @Test func badUTF8IsReportedWhereItIs() throws {
        let path = try write(Array("format: 1\nname: caf".utf8) + [0xE9] + Array("\n".utf8), "bad.yaml")
        let d = only { _ = try SpecLoader.load(file: path) }
        #expect(d?.line == 2 && d?.column == 10)
        #expect(d?.message == "the spec is not valid UTF-8 (byte 0xE9 at line 2, column 10)")
        // Columns count characters, not bytes.
        #expect(InputFile.firstInvalidUTF8(in: Data(Array("é日\n🙂x".utf8) + [0xFF])) == (2, 3, 0xFF))
    }

    @Test func aControlCharacterInYAMLIsReportedWhereItIs() throws {
        let d = only { _ = try SpecLoader.parse("format: 1\nname: a\u{01}b\n", file: "s.yaml", directory: ".") }
        #expect(d?.line == 2 && d?.column == 8, "\(String(describing: d))")
        #expect(d?.message.contains("control characters are not allowed (U+0001)") == true)
    }

    /// A few kilobytes of aliases repeat one bad mapping thousands of times: the reader stops
    /// at its limit instead of walking and reporting every repetition.
    @Test func aliasesCannotMultiplyTheWork() throws {
        var lines = [
            "format: 1", "name: bomb", "baseline: { provider: sim, model: m, version: '1' }", "candidate: { provider: sim, model: m, version: '2' }",
        ]
        lines.append("x: &m {" + (0..<500).map { "k\($0): v" }.joined(separator: ", ") + "}")
        lines.append("gates: [" + Array(repeating: "*m", count: 5_000).joined(separator: ", ") + "]")
        let problems: [Diagnostic]
        do {
            _ = try SpecLoader.parse(lines.joined(separator: "\n"), file: "bomb.yaml", directory: ".")
            problems = []
        } catch {
            problems = error.diagnostics
        }
        #expect(problems.count == YAMLReader.maxDiagnostics + 1)
        #expect(problems.last?.message == "stopped after 200 problems; fix these first")
    }
}

/// The control socket's command body, decoded in the core.
struct ControlCommandRequestTests {
    func decode(_ json: String) -> Result<ControlCommandRequest, ControlCommandRequest.Refusal> {
        ControlCommandRequest.decode(Array(json.utf8))
    }

    @Test func aCommandIsRecordedWithTheClaimAndTheKernelsWord() throws {
        let r = try decode(#"{"command": "rollback", "operator": " alice ", "reason": "p95 up"}"#).get()
        #expect(r.command(peerUID: 1000) == OperatorCommand(.rollback, operator: "alice (cli, uid 1000)", reason: "p95 up"))
        #expect(try decode(#"{"command": "pause", "reason": ""}"#).get().command(peerUID: nil) == OperatorCommand(.pause, operator: "unknown (cli)"))
    }

    @Test func escapesAreStrippedAndSizesBounded() throws {
        let r = try decode(#"{"command": "abort", "operator": "\u001b]0;evil\u0007eve", "reason": "\u202eevil"}"#).get()
        #expect(r.claimedOperator == "eve" && r.reason == "evil")
        let long = String(repeating: "x", count: ControlCommandRequest.maxReason + 1)
        #expect(throws: ControlCommandRequest.Refusal.self) { try decode(#"{"command": "abort", "reason": "\#(long)"}"#).get() }
        #expect(throws: ControlCommandRequest.Refusal.self) {
            try decode(#"{"command": "abort", "operator": "\#(String(repeating: "o", count: 101))"}"#).get()
        }
    }

    @Test(arguments: ["", "null", "[]", #"{"command": 3}"#, #"{"command": "launch"}"#, "{\"command\": \"rollback\"", "\u{FF}"])
    func malformedBodiesAreRefusedWithAReason(_ body: String) {
        guard case .failure(let refusal) = decode(body) else {
            Issue.record("accepted \(body)")
            return
        }
        #expect(!refusal.description.isEmpty)
    }
}

/// Timestamps from outside, parsed and printed without ICU. Expected values from Python's
/// `datetime.fromisoformat(...).timestamp()` and `email.utils.parsedate_to_datetime`.
struct TimestampTextTests {
    @Test(arguments: [
        ("2026-11-27T16:38:40Z", 1_795_797_520.0),
        ("2026-11-27T16:38:40.147222Z", 1_795_797_520.147222),
        ("2024-02-29T23:59:59+01:30", 1_709_245_799.0),
        ("1970-01-01T00:00:00Z", 0.0),
        ("0001-01-01T00:00:00Z", -62_135_596_800.0),
        ("9999-12-31T23:59:59Z", 253_402_300_799.0),
        ("2000-03-01T00:00:00-05:00", 951_886_800.0),
    ])
    func iso8601MatchesPython(_ text: String, _ seconds: Double) throws {
        let date = try #require(TimestampText.parseISO8601(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 1e-6)
    }

    @Test(arguments: [
        "", "2026-11-27", "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T16:38:40",
        "2026-11-27T16:38:40.Z", "2026-11-27T16:38:40.1234567890Z", "2026-11-27T16:38:40+25:00", "２０２６-11-27T16:38:40Z",
        // What crashed ICU (SIGFPE) from a fuzzed run file: 120 fractional digits.
        "2026-11-27T16:38:40." + String(repeating: "1472222222", count: 12) + "Z",
    ])
    func malformedTimesAreNil(_ text: String) {
        #expect(TimestampText.parseISO8601(text) == nil)
    }

    @Test func httpDatesAndFormatting() {
        #expect(TimestampText.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 GMT")?.timeIntervalSince1970 == 784_111_777)
        #expect(TimestampText.parseHTTPDate("Sun, 06 Nov 1994 08:49:37 PST") == nil)
        #expect(TimestampText.parseHTTPDate("Sun, 31 Feb 1994 08:49:37 GMT") == nil)
        #expect(TimestampText.parseHTTPDate(String(repeating: "9", count: 29)) == nil)
        #expect(TimestampText.formatISO8601(Date(timeIntervalSince1970: 1_795_797_520 + 86_400 * 35)) == "2027-01-01T16:38:40Z")
        #expect(TimestampText.formatISO8601(Date(timeIntervalSince1970: -62_135_596_800)) == "0001-01-01T00:00:00Z")
        #expect(TimestampText.formatISO8601(Date(timeIntervalSince1970: 1e19)) == nil)
    }

    /// The fuzzer's input, whole: its audit record prints, with offsets instead of times.
    @Test func theRunFileThatCrashedTheAuditRecordNowPrints() throws {
        let path = Paths.repository + "/Tests/RampartCoreTests/Fixtures/fuzz/runfile-icu-fpe.jsonl"
        let text = try #require(try? InputFile.decode(Data(contentsOf: URL(fileURLWithPath: path)), file: path, what: "the run file"))
        let recording = try RunFileCodec.parse(text, file: path)
        #expect(recording.header.startedAt.count > 100)
        let lines = AuditRecord.lines(recording, file: path)
        #expect(!lines.isEmpty)
        #expect(AuditRecord.when(recording.header, 5) == "+00:05.0")
    }
}
