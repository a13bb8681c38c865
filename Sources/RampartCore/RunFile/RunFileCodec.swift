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

    private struct Probe: Decodable { var type: String }

    /// `skipObservations` leaves the per-request batches undecoded: headless replay and the
    /// audit record never show them, and they are most of a long run's lines.
    public static func read(file: String, skipObservations: Bool = false) throws(InvalidInput) -> Recording {
        let text = try InputFile.read(file, what: "the run file")
        return try parse(text, file: file, skipObservations: skipObservations)
    }

    public static func parse(_ text: String, file: String, skipObservations: Bool = false) throws(InvalidInput) -> Recording {
        let decoder = JSONDecoder()
        var header: RunHeader?
        var events: [RunEvent] = []
        var outcome: RunOutcomeRecord?
        var rollback: PromotionRollbackRecord?
        var truncated: Int?
        var problems: [Diagnostic] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            if raw.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            if skipObservations && raw.hasSuffix("}") && raw.contains(#""event":"observations","#) { continue }
            let data = Data(raw.utf8)
            func fail(_ message: String) {
                problems.append(Diagnostic(file: file, line: number, column: 1, path: "", message: message))
            }
            do {
                let type = try decoder.decode(Probe.self, from: data).type
                switch type {
                case "header":
                    guard header == nil, number == 1 else { fail("a header is only allowed on the first line"); continue }
                    let h = try decoder.decode(RunHeader.self, from: data)
                    if h.format > RunHeader.currentFormat {
                        throw InvalidInput([
                            Diagnostic(
                                file: file, line: number, column: 1, path: "format",
                                message: "run file format \(h.format) is newer than this Rampart reads (\(RunHeader.currentFormat)); upgrade Rampart")
                        ])
                    }
                    header = h
                case "event":
                    guard outcome == nil else { fail("event after the outcome line"); continue }
                    events.append(try decoder.decode(RunEvent.self, from: data))
                case "outcome":
                    guard outcome == nil else { fail("a second outcome line"); continue }
                    outcome = try decoder.decode(RunOutcomeRecord.self, from: data)
                case "promotion_rollback":
                    guard let o = outcome else { fail("a promotion rollback before the outcome line"); continue }
                    guard o.outcome == .promoted else { fail("a promotion rollback after a run that ended \(o.outcome.rawValue)"); continue }
                    guard rollback == nil else { fail("a second promotion rollback"); continue }
                    rollback = try decoder.decode(PromotionRollbackRecord.self, from: data)
                default:
                    fail("unknown line type '\(type)'")
                }
            } catch let invalid as InvalidInput {
                throw invalid
            } catch {
                let isLast = index == lines.count - 1 || (index == lines.count - 2 && lines.last?.isEmpty == true)
                if isLast && !text.hasSuffix("\n") && header != nil {
                    // The engine died mid-write: keep everything before the cut.
                    truncated = number
                } else {
                    fail("corrupt line: \(describe(error))")
                }
            }
        }
        guard let header else {
            problems.insert(Diagnostic(file: file, line: 1, column: 1, path: "", message: "no header line: not a Rampart run file"), at: 0)
            throw InvalidInput(problems)
        }
        if !problems.isEmpty { throw InvalidInput(problems) }
        return Recording(header: header, events: events, outcome: outcome, promotionRollback: rollback, truncatedLine: truncated)
    }

    private static func describe(_ error: any Error) -> String {
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
