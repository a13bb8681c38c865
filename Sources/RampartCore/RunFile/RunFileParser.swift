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

    /// Lines waiting to be decoded together: their bytes, copied, and where each one is.
    struct PendingLines: Sendable {
        var bytes: [UInt8] = []
        var spans: [(start: Int, count: Int, number: Int, last: Bool)] = []

        mutating func append(_ line: FileLines.Line) {
            spans.append((bytes.count, line.bytes.count, line.number, !line.terminated))
            bytes.append(contentsOf: line.bytes)
        }
    }

    /// `last`: the file ends with this line and no LF after it.
    mutating func consume(_ line: UnsafeRawBufferPointer, number: Int, last: Bool) throws(InvalidInput) {
        try apply(Self.decodeLine(line, skipObservations: skipObservations, decoder: decoder), number: number, last: last)
    }

    /// Lines decoded on up to all cores (decoding is most of reading a run file), then folded
    /// in file order, so every rule and message is the same as one line at a time.
    mutating func consume(_ batch: PendingLines) throws(InvalidInput) {
        try apply(Self.decode(batch, skipObservations: skipObservations), of: batch)
    }

    /// The fold of lines decoded by `decode(_:skipObservations:)`, in file order.
    mutating func apply(_ decoded: [DecodedLine], of batch: PendingLines) throws(InvalidInput) {
        for k in 0..<decoded.count { try apply(decoded[k], number: batch.spans[k].number, last: batch.spans[k].last) }
    }

    /// Each line of `batch` decoded on its own, on up to all cores; pure, so it can run while
    /// the next batch is read.
    static func decode(_ batch: PendingLines, skipObservations skip: Bool) -> [DecodedLine] {
        let n = batch.spans.count
        guard n > 0 else { return [] }
        var decoded = [DecodedLine](repeating: .skip, count: n)
        let parts = n < 512 ? 1 : min(max(1, ProcessInfo.processInfo.activeProcessorCount), 8)
        batch.bytes.withUnsafeBytes { raw in
            decoded.withUnsafeMutableBufferPointer { out in
                let shared = Shared(raw: raw, out: out)
                let spans = batch.spans
                DispatchQueue.concurrentPerform(iterations: parts) { part in
                    let decoder = JSONDecoder()
                    for k in (part * n / parts)..<((part + 1) * n / parts) {
                        let span = spans[k]
                        let line = UnsafeRawBufferPointer(rebasing: shared.raw[span.start..<span.start + span.count])
                        shared.out[k] = Self.decodeLine(line, skipObservations: skip, decoder: decoder)
                    }
                }
            }
        }
        return decoded
    }

    /// The batch's bytes, read by every part, and the results, each part writing only its own
    /// range of lines: no two threads touch the same element, and both outlive the parts.
    private struct Shared: @unchecked Sendable {
        let raw: UnsafeRawBufferPointer
        let out: UnsafeMutableBufferPointer<DecodedLine>
    }

    /// What one line holds, decoded without regard to the lines around it.
    enum DecodedLine: Sendable {
        case skip
        /// The line's type, and its record or why it could not be decoded.
        case typed(String, Result<Record, Failure>)
        /// Not even a type could be read.
        case unreadable(Failure)
    }

    enum Record: Sendable {
        case header(RunHeader), event(RunEvent), outcome(RunOutcomeRecord), rollback(PromotionRollbackRecord), other
    }

    struct Failure: Error, Sendable {
        var message: String
        /// White space only (beyond the ASCII `isBlank` sees): skipped, not corrupt.
        var blank: Bool
    }

    static func decodeLine(_ line: UnsafeRawBufferPointer, skipObservations: Bool, decoder: JSONDecoder) -> DecodedLine {
        if isBlank(line) { return .skip }
        if skipObservations && isObservations(line) { return .skip }
        func failure(_ error: any Error) -> Failure {
            Failure(
                message: RunFileCodec.describe(error), blank: String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces).isEmpty)
        }
        let type: String
        do {
            type = try knownType(line) ?? decode(Probe.self, line, decoder).type
        } catch {
            return .unreadable(failure(error))
        }
        let record: Result<Record, Failure>
        do {
            switch type {
            case "header": record = .success(.header(try decode(RunHeader.self, line, decoder)))
            case "event": record = .success(.event(try decode(RunEvent.self, line, decoder)))
            case "outcome": record = .success(.outcome(try decode(RunOutcomeRecord.self, line, decoder)))
            case "promotion_rollback": record = .success(.rollback(try decode(PromotionRollbackRecord.self, line, decoder)))
            default: record = .success(.other)
            }
        } catch {
            record = .failure(failure(error))
        }
        return .typed(type, record)
    }

    /// The failure in `result`; a record of another type than its line's cannot come out of
    /// `decodeLine`, and would read as corrupt.
    private static func failure(_ result: Result<Record, Failure>) -> Failure {
        if case .failure(let f) = result { return f }
        return Failure(message: "a record of another type than its line says", blank: false)
    }

    private mutating func apply(_ decoded: DecodedLine, number: Int, last: Bool) throws(InvalidInput) {
        func fail(_ message: String) {
            problems.append(Diagnostic(file: file, line: number, column: 1, path: "", message: message))
        }
        func corrupt(_ failure: Failure) {
            if failure.blank { return }
            if last && header != nil {
                // The engine died mid-write: keep everything before the cut.
                truncated = number
            } else {
                fail("corrupt line: \(failure.message)")
            }
        }
        let type: String
        let result: Result<Record, Failure>
        switch decoded {
        case .skip: return
        case .unreadable(let failure): return corrupt(failure)
        case .typed(let t, let r): (type, result) = (t, r)
        }
        switch (type, result) {
        case ("header", _):
            guard header == nil, number == 1 else { return fail("a header is only allowed on the first line") }
            guard case .success(.header(let h)) = result else { return corrupt(Self.failure(result)) }
            if h.format > RunHeader.currentFormat {
                throw InvalidInput([
                    Diagnostic(
                        file: file, line: number, column: 1, path: "format",
                        message: "run file format \(h.format) is newer than this Rampart reads (\(RunHeader.currentFormat)); upgrade Rampart")
                ])
            }
            header = h
        case ("event", _):
            // A batch the tail check did not see (keys reordered by hand) is still left out.
            let batch: Bool
            if case .success(.event(let e)) = result, case .observations = e.body { batch = true } else { batch = false }
            guard outcome == nil else {
                if skipObservations && batch { return }
                return fail("event after the outcome line")
            }
            guard case .success(.event(let event)) = result else { return corrupt(Self.failure(result)) }
            if skipObservations && batch { return }
            events.append(event)
        case ("outcome", _):
            guard outcome == nil else { return fail("a second outcome line") }
            guard case .success(.outcome(let o)) = result else { return corrupt(Self.failure(result)) }
            outcome = o
        case ("promotion_rollback", _):
            guard let o = outcome else { return fail("a promotion rollback before the outcome line") }
            guard o.outcome == .promoted else { return fail("a promotion rollback after a run that ended \(o.outcome.rawValue)") }
            guard rollback == nil else { return fail("a second promotion rollback") }
            guard case .success(.rollback(let r)) = result else { return corrupt(Self.failure(result)) }
            rollback = r
        default:
            fail("unknown line type '\(type)'")
        }
    }

    /// The fast decoder when it is sure, Foundation's otherwise (and for every error message).
    private static func decode<T: Decodable>(_ type: T.Type, _ line: UnsafeRawBufferPointer, _ decoder: JSONDecoder) throws -> T {
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

    /// A whole observations line as the codec writes it (keys sorted: data, event, t), found
    /// from its last bytes, so the batch is never parsed. Only a shortcut: a batch written
    /// otherwise is decoded and left out after. Ending in `}`: a cut-off one must reach the
    /// decoder to be seen as the cut.
    static func isObservations(_ line: UnsafeRawBufferPointer) -> Bool {
        guard line.last == UInt8(ascii: "}") else { return false }
        return observationsTag.withUnsafeBytes { tag in
            let n = tag.count
            // `"t":` and a number of at most 32 characters follow the tag.
            var at = line.count - n - 1
            let stop = max(0, line.count - n - 40)
            while at >= stop {
                if line[at] == tag[0], memcmp(line.baseAddress! + at, tag.baseAddress!, n) == 0 { return true }
                at -= 1
            }
            return false
        }
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
