import Foundation
import Testing

@testable import RampartCore

/// The run file is read as a stream of lines in 1 MB chunks: what comes back must not depend
/// on where a chunk ends, on LF or CR LF, and the checks of a whole-file read still hold.
struct RunFileStreamingTests: InputFileTesting {
    let codec = RunFileCodecTests()

    /// Events of many lengths (an operator's reason grows line by line), so line ends fall at
    /// every offset of a chunk boundary somewhere in a file of several chunks.
    func manyEvents() -> [RunEvent] {
        (0..<9_000).map { i in
            RunEvent(
                t: Double(i) / 10,
                .operatorAction(
                    OperatorAction(
                        command: OperatorCommand(.pause, operator: "ada", reason: String(repeating: "é", count: i % 397)), accepted: true,
                        note: "n\(i)")))
        }
    }

    @Test func aFileOfManyChunksReadsAsItsTextParses() throws {
        let events = manyEvents()
        let text = try codec.file(events)
        #expect(text.utf8.count > 3 * FileLines.chunk)
        let path = try write(Array(text.utf8))
        let streamed = try RunFileCodec.read(file: path)
        #expect(streamed.events == events)
        #expect(streamed == (try RunFileCodec.parse(text, file: path)))
        #expect(streamed.outcome?.outcome == .rolledBack)
    }

    @Test func crlfLineEndsReadAsLF() throws {
        let text = try codec.file(RunFileCodecTests.sampleEvents)
        let crlf = text.replacingOccurrences(of: "\n", with: "\r\n")
        let recording = try RunFileCodec.read(file: try write(Array(crlf.utf8)))
        #expect(recording.events == RunFileCodecTests.sampleEvents)
        #expect(recording.outcome != nil)
        #expect(recording.truncatedLine == nil)
    }

    @Test func observationsAreSkippedOnlyWhenAsked() throws {
        let batch = RunEvent(
            t: 3,
            .observations(
                ObservationBatch(
                    weight: 5,
                    observations: [Observation(variant: .candidate, latencyMs: 120, promptTokens: 10, completionTokens: 5, cost: 0.001)])))
        let events = [RunFileCodecTests.sampleEvents[0], batch, RunFileCodecTests.sampleEvents[1]]
        let path = try write(Array(try codec.file(events).utf8))
        #expect(try RunFileCodec.read(file: path).events == events)
        #expect(try RunFileCodec.read(file: path, skipObservations: true).events == [events[0], events[2]])
    }

    @Test func aLineTooLongIsRefusedWithItsNumberAndFullLength() throws {
        var bytes = Array(try codec.file(Array(RunFileCodecTests.sampleEvents.prefix(2))).utf8)
        let long = InputFile.maxLineBytes + 3 * FileLines.chunk + 5
        bytes += [UInt8](repeating: 0x78, count: long) + [0x0A] + Array("{}\n".utf8)
        let path = try write(bytes)
        let d = only { _ = try RunFileCodec.read(file: path) }
        #expect(d?.line == 5)  // header, two events, outcome, then the long line
        #expect(d?.message == "line 5 of the run file is \(String(format: "%.1f", Double(long) / 1_048_576)) MB long; lines over 16 MB are refused")
    }

    @Test func badUTF8IsRefusedWhereItIsButACutInsideALastCharacterIsTheCut() throws {
        let text = try codec.file(Array(RunFileCodecTests.sampleEvents.prefix(3)), outcome: false)
        var bad = Array(text.utf8)
        let third = bad.indices.filter { bad[$0] == 0x0A }[1] + 1  // line 3 starts here
        bad[third + 5] = 0xFF
        let d = only { _ = try RunFileCodec.read(file: try write(bad, "bad.jsonl")) }
        #expect(d?.line == 3)
        #expect(d?.column == 6)
        #expect(d?.message.contains("not valid UTF-8 (byte 0xFF at line 3, column 6)") == true)

        // The engine died after the first byte of "é" in its last line.
        let cut = Array(text.utf8) + Array(#"{"type":"event","data":{"command":{"action":"pause","operator":"ad"#.utf8) + [0xC3]
        let recording = try RunFileCodec.read(file: try write(cut, "cut.jsonl"))
        #expect(recording.events.count == 3)
        #expect(recording.truncatedLine == 5)
    }

    @Test func onlyRegularFilesAreRead() throws {
        let d = only { _ = try RunFileCodec.read(file: Paths.temporaryDirectory()) }
        #expect(d?.message == "cannot read the run file: it is a directory")
        let missing = only { _ = try RunFileCodec.read(file: Paths.temporaryDirectory() + "/none.jsonl") }
        #expect(missing?.message == "cannot read the run file: No such file or directory")
    }
}

extension RunFileStreamingTests {
    /// The batch is found from the codec's layout; one written with its keys in another order
    /// is decoded and still left out, wherever it stands.
    @Test func aBatchWithReorderedKeysIsLeftOutToo() throws {
        let text = try codec.file(Array(RunFileCodecTests.sampleEvents.prefix(2)))
        var lines = text.split(separator: "\n").map(String.init)
        let batch =
            #"{"t":3,"type":"event","event":"observations","data":{"weight":5,"variants":"c","latency":[1],"prompt":[1],"completion":[1],"cost":[0],"failed":[],"status":[],"quality":[],"critical":[],"synthetic":false}}"#
        lines.insert(batch, at: 2)
        lines.append(batch)  // after the outcome
        let path = try write(Array((lines.joined(separator: "\n") + "\n").utf8))
        let skipped = try RunFileCodec.read(file: path, skipObservations: true)
        #expect(skipped.events == Array(RunFileCodecTests.sampleEvents.prefix(2)))
        #expect(skipped.outcome != nil)
        let d = only { _ = try RunFileCodec.read(file: path) }
        #expect(d?.message == "event after the outcome line")
    }
}
