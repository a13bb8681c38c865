import ArgumentParser
import Foundation
import RampartCore

struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score your own data with one metric: JSON Lines in, one JSON object per line out.",
        discussion: """
            Input lines: {"candidate": …, "reference": …} or {"candidate": …, "references": [...]}; \
            {"text": …} for single-text metrics (vader, refusal, json; json also takes "schema"); \
            regex takes {"candidate": …, "pattern": …}; contains and icontains take the substring as \
            "reference". Output lines, in order: {"score": …, \
            "signature": …} plus precision and recall for ROUGE and pos/neu/neg for VADER. A bad line is \
            reported on stderr with its line number and as {"line": N, "error": …} in the output; the \
            other lines still score, and the exit code is 65.
            """
    )

    @Option(help: ArgumentHelp("The metric: \(ScoreMetric.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "name"))
    var metric: String

    @Argument(help: "JSON Lines file (default: standard input).")
    var file: String?

    func validate() throws {
        guard ScoreMetric.named(metric) != nil else {
            throw ValidationError("unknown metric '\(metric)'; one of: \(ScoreMetric.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        // `validate()` refused any other name before `run()`.
        guard let metric = ScoreMetric.named(self.metric) else { throw Exit.usage }
        let name = file ?? "<stdin>"
        let data: Data
        do {
            data =
                try file.map { path throws(InvalidInput) in try InputFile.bytes(path, what: "the input") }
                ?? FileHandle.standardInput.readDataToEndOfFile()
            // Checked whole before a line is scored: long lines and bad UTF-8 are named up front.
            try InputFile.check(data, file: name, what: "the input")
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        let encoder = RampartCore.RunFileCodec.encoder()
        var failures = 0
        var out = JSONWriter()
        func fail(_ index: Int, _ message: String) throws {
            failures += 1
            Console.error("error: \(name):\(index + 1):1: \(message)")
            out.append(try encoder.encode(ScoreError(line: index + 1, error: message)))
            out.byte(0x0A)
        }
        try data.withUnsafeBytes { raw in
            try Self.forEachLine(raw) { index, line in
                if metric == .tokenF1, case .bytes(let bytes) = line, let result = ScoreInput.tokenF1Fast(bytes) {
                    try ScoreOutput(result).write(line: &out, encoder: encoder)
                    return
                }
                var input: ScoreInput
                if case .bytes(let bytes) = line, let fast = ScoreInput.parseFast(bytes, metric: metric) {
                    input = fast
                } else {
                    switch ScoreInput.parse(line.text, metric: metric) {
                    case .success(let parsed): input = parsed
                    case .failure(let message):
                        try fail(index, message.description)
                        return
                    }
                }
                let r = metric.score(candidate: input.candidate, references: input.references, parameters: input.parameters)
                if let error = r.error {
                    // Past a scorer's bounds there is no score, only the reason: never a 0 that reads as one.
                    try fail(index, error)
                    return
                }
                try ScoreOutput(r).write(line: &out, encoder: encoder)
            }
        }
        BlockOutput.write(out.bytes)
        if failures > 0 { throw Exit.invalidInput }
    }

    /// One input line: its bytes, trimmed of spaces, tabs and CR, or, when non-ASCII is at
    /// either end (U+00A0 …), the text trimmed as `CharacterSet.whitespaces` does.
    enum Line {
        case bytes(UnsafeRawBufferPointer)
        case text(String)

        var text: String {
            switch self {
            case .bytes(let b): String(decoding: b, as: UTF8.self)
            case .text(let t): t
            }
        }
    }

    /// Calls `body` with each non-blank line of valid UTF-8 `raw` and its 0-based index (lines
    /// end at LF, as `TextLines` splits; blank ones are skipped, so indices stay line numbers).
    static func forEachLine(_ raw: UnsafeRawBufferPointer, _ body: (Int, Line) throws -> Void) rethrows {
        guard let base = raw.baseAddress else { return }
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        var start = 0
        var index = 0
        while start < raw.count {
            var end = raw.count
            if let found = memchr(base + start, 0x0A, raw.count - start) { end = UnsafeRawPointer(found) - base }
            var a = start, z = end
            while a < z && blank(raw[a]) { a += 1 }
            while z > a && blank(raw[z - 1]) { z -= 1 }
            if a < z {
                let bytes = UnsafeRawBufferPointer(rebasing: raw[a..<z])
                if raw[a] < 0x80 && raw[z - 1] < 0x80 {
                    try body(index, .bytes(bytes))
                } else {
                    let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                    if !text.isEmpty { try body(index, .text(text)) }
                }
            }
            start = end + 1
            index += 1
        }
    }
}
struct ScoreError: Encodable {
    var line: Int
    var error: String
}

extension ScoreOutput {
    /// One output line, written in blocks of 64 KB; Foundation encodes what the fast writer
    /// leaves to it (a number that is not finite).
    fileprivate func write(line out: inout JSONWriter, encoder: JSONEncoder) throws {
        if !write(to: &out) { out.append(try encoder.encode(self)) }
        out.byte(0x0A)
        if out.bytes.count > 1 << 16 {
            BlockOutput.write(out.bytes)
            out.removeAll()
        }
    }
}
