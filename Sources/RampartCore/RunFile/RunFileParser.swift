import Foundation

/// Folds a run file's lines, one at a time, into a `RunFileCodec.Recording`: the order rules
/// (header first, events, one outcome, then at most one promotion rollback), corrupt lines
/// collected with their numbers, and a last line cut off mid-write kept as `truncatedLine`.
/// Each line is decoded once: its type is read from the `{"type":"…"` the codec writes first.
struct RunFileParser {
    let file: String
    let skipObservations: Bool
    private(set) var header: RunHeader?
    private var events: [RunEvent] = []
    private var outcome: RunOutcomeRecord?
    private var rollback: PromotionRollbackRecord?
    private var truncated: Int?
    private var problems: [Diagnostic] = []
    private let decoder = JSONDecoder()

    init(file: String, skipObservations: Bool) {
        self.file = file
        self.skipObservations = skipObservations
    }

    private struct Probe: Decodable { var type: String }

    /// `last`: the file ends with this line and no LF after it.
    mutating func consume(_ line: UnsafeRawBufferPointer, number: Int, last: Bool) throws(InvalidInput) {
        if Self.isBlank(line) { return }
        if skipObservations && Self.isObservations(line) { return }
        func fail(_ message: String) {
            problems.append(Diagnostic(file: file, line: number, column: 1, path: "", message: message))
        }
        do {
            let type = try Self.knownType(line) ?? decode(Probe.self, line).type
            switch type {
            case "header":
                guard header == nil, number == 1 else { return fail("a header is only allowed on the first line") }
                let h = try decode(RunHeader.self, line)
                if h.format > RunHeader.currentFormat {
                    throw InvalidInput([
                        Diagnostic(
                            file: file, line: number, column: 1, path: "format",
                            message: "run file format \(h.format) is newer than this Rampart reads (\(RunHeader.currentFormat)); upgrade Rampart")
                    ])
                }
                header = h
            case "event":
                guard outcome == nil else { return fail("event after the outcome line") }
                events.append(try decode(RunEvent.self, line))
            case "outcome":
                guard outcome == nil else { return fail("a second outcome line") }
                outcome = try decode(RunOutcomeRecord.self, line)
            case "promotion_rollback":
                guard let o = outcome else { return fail("a promotion rollback before the outcome line") }
                guard o.outcome == .promoted else { return fail("a promotion rollback after a run that ended \(o.outcome.rawValue)") }
                guard rollback == nil else { return fail("a second promotion rollback") }
                rollback = try decode(PromotionRollbackRecord.self, line)
            default:
                fail("unknown line type '\(type)'")
            }
        } catch let invalid as InvalidInput {
            throw invalid
        } catch {
            if String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces).isEmpty { return }
            if last && header != nil {
                // The engine died mid-write: keep everything before the cut.
                truncated = number
            } else {
                fail("corrupt line: \(RunFileCodec.describe(error))")
            }
        }
    }

    /// The fast decoder when it is sure, Foundation's otherwise (and for every error message).
    private func decode<T: Decodable>(_ type: T.Type, _ line: UnsafeRawBufferPointer) throws -> T {
        if let value = FastJSONDecoder.decode(type, from: line) { return value }
        return try decoder.decode(type, from: Data(line))
    }

    func finish() throws(InvalidInput) -> RunFileCodec.Recording {
        guard let header else {
            throw InvalidInput(
                [Diagnostic(file: file, line: 1, column: 1, path: "", message: "no header line: not a Rampart run file")] + problems)
        }
        if !problems.isEmpty { throw InvalidInput(problems) }
        return RunFileCodec.Recording(header: header, events: events, outcome: outcome, promotionRollback: rollback, truncatedLine: truncated)
    }

    /// Spaces and tabs only (a CR too: a CR LF file's empty line).
    static func isBlank(_ line: UnsafeRawBufferPointer) -> Bool {
        line.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    private static let observationsTag = Array(#""event":"observations","#.utf8)

    /// A whole observations line (ending in `}`: a cut-off one must reach the decoder to be
    /// seen as the cut). The tag cannot occur inside a string value: its quotes would be escaped.
    /// Searched from the end, where the codec writes it (keys sorted: data, event, t).
    static func isObservations(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.last == UInt8(ascii: "}") else { return false }
        let n = observationsTag.count
        var at = line.count - n
        while at >= 0 {
            var k = 0
            while k < n && line[at + k] == observationsTag[k] { k += 1 }
            if k == n { return true }
            at -= 1
        }
        return false
    }

    private static let typePrefix = Array(#"{"type":""#.utf8)

    /// The type the codec wrote first, when the line starts as the codec writes; nil otherwise
    /// (the JSON is then probed). The decode that follows checks the rest of the line.
    static func knownType(_ line: UnsafeRawBufferPointer) -> String? {
        guard line.count > typePrefix.count, line.starts(with: typePrefix) else { return nil }
        var i = typePrefix.count
        while i < line.count {
            let b = line[i]
            if b == UInt8(ascii: "\"") { return String(decoding: UnsafeRawBufferPointer(rebasing: line[typePrefix.count..<i]), as: UTF8.self) }
            if b == UInt8(ascii: "\\") || b < 0x20 { return nil }
            i += 1
        }
        return nil
    }
}
