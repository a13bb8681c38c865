import Foundation

/// Encodes and decodes the lines of a run file (JSON Lines): one `header`, then `event` lines,
/// then one `outcome` line when the run finished, and a `promotion_rollback` line if a
/// promotion was taken back after the run. Each line is tagged with `"type"` first so
/// `grep '"type":"outcome"'` and `jq 'select(.type=="event")'` both work.
public enum RunFileCodec {
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    public static func line(header: RunHeader) throws -> String { try tagged("header", header) }
    public static func line(event: RunEvent) throws -> String { try tagged("event", event) }
    public static func line(outcome: RunOutcomeRecord) throws -> String { try tagged("outcome", outcome) }
    public static func line(promotionRollback: PromotionRollbackRecord) throws -> String {
        try tagged("promotion_rollback", promotionRollback)
    }

    private static func tagged(_ type: String, _ value: some Encodable) throws -> String {
        let json = String(decoding: try encoder().encode(value), as: UTF8.self)
        let body = json.dropFirst()  // the opening brace
        return body == "}" ? "{\"type\":\"\(type)\"}" : "{\"type\":\"\(type)\"," + body
    }

    /// Everything read back from a run file.
    public struct Recording: Sendable, Equatable {
        public var header: RunHeader
        public var events: [RunEvent]
        /// `nil` when the run did not finish (the engine died, or it is still running).
        public var outcome: RunOutcomeRecord?
        /// The promotion taken back after the run ended, if it was.
        public var promotionRollback: PromotionRollbackRecord?
        /// The line that was cut off mid-write, when the file ends in half a line.
        public var truncatedLine: Int?

        public init(
            header: RunHeader, events: [RunEvent], outcome: RunOutcomeRecord?, promotionRollback: PromotionRollbackRecord? = nil,
            truncatedLine: Int? = nil
        ) {
            self.header = header
            self.events = events
            self.outcome = outcome
            self.promotionRollback = promotionRollback
            self.truncatedLine = truncatedLine
        }

        /// Where the run left traffic in the end, for lists and exit codes: a promotion rolled
        /// back afterwards counts as rolled back.
        public var finalOutcome: RunOutcome? {
            promotionRollback != nil ? .rolledBack : outcome?.outcome
        }

        /// Why the recording has no outcome, in words; nil when it has one.
        public var unfinished: String? {
            guard outcome == nil else { return nil }
            let last = events.last.map { " (last event at \(EventLine.clock($0.t)))" } ?? ""
            if let line = truncatedLine { return "the run did not finish: the recording was cut off at line \(line)\(last)" }
            return "the run did not finish: the recording ends without an outcome\(last)"
        }
    }

    /// `skipObservations` leaves the per-request batches undecoded: headless replay and the
    /// audit record never show them, and they are most of a long run's lines. The file is read
    /// as a stream of lines (`FileLines`), so a run of any length opens in bounded memory.
    public static func read(file: String, skipObservations: Bool = false) throws(InvalidInput) -> Recording {
        var parser = RunFileParser(file: file, skipObservations: skipObservations)
        var pending = RunFileParser.PendingLines()
        try FileLines.forEach(file, what: "the run file") { (line) throws(InvalidInput) in
            if !line.isUTF8 {
                // A cut-off last line: readable only after a header.
                try parser.consume(pending)
                pending = RunFileParser.PendingLines()
                guard parser.header != nil else {
                    throw InputFile.notUTF8(file, what: "the run file", at: FileLines.invalidUTF8(line.bytes, number: line.number))
                }
            }
            // Blank lines and the batches left out cost nothing to find: not worth a copy.
            if RunFileParser.isBlank(line.bytes) || (skipObservations && RunFileParser.isObservations(line.bytes)) { return }
            pending.append(line)
            if pending.bytes.count >= 1 << 22 {
                try parser.consume(pending)
                pending = RunFileParser.PendingLines()
            }
        }
        try parser.consume(pending)
        return try parser.finish()
    }

    public static func parse(_ text: String, file: String, skipObservations: Bool = false) throws(InvalidInput) -> Recording {
        var parser = RunFileParser(file: file, skipObservations: skipObservations)
        var text = text
        // `withUTF8` rethrows untyped: the diagnostic is carried out by hand.
        var failure: InvalidInput?
        text.withUTF8 { all in
            let raw = UnsafeRawBufferPointer(all)
            var start = 0
            var number = 1
            while start < raw.count {
                var stop = start
                while stop < raw.count && raw[stop] != 0x0A { stop += 1 }
                do throws(InvalidInput) {
                    try parser.consume(UnsafeRawBufferPointer(rebasing: raw[start..<stop]), number: number, last: stop == raw.count)
                } catch {
                    failure = error
                    return
                }
                start = stop + 1
                number += 1
            }
        }
        if let failure { throw failure }
        return try parser.finish()
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}
