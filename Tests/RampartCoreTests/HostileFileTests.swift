import Foundation
import Testing
@testable import RampartCore

/// Files and bodies from outside that once hung, exhausted memory or were reported at a
/// placeholder `1:1`. Inputs found by the fuzz targets (Tests/Fuzz) are added here.
struct HostileFileTests {
    func write(_ bytes: [UInt8], _ name: String = "input") throws -> String {
        let path = Paths.temporaryDirectory() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The first problem reported, nil when the input was accepted.
    func only(_ body: () throws -> Void) -> Diagnostic? {
        do {
            try body()
            return nil
        } catch {
            return (error as? InvalidInput)?.diagnostics.first
        }
    }

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
            _ = try PipelineInputs.load(file: dir + "/spec.yaml")
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
        var lines = ["format: 1", "name: bomb", "baseline: { provider: sim, model: m, version: '1' }", "candidate: { provider: sim, model: m, version: '2' }"]
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
        #expect(throws: ControlCommandRequest.Refusal.self) { try decode(#"{"command": "abort", "operator": "\#(String(repeating: "o", count: 101))"}"#).get() }
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
