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
        let text: String
        do {
            let data =
                try file.map { path throws(InvalidInput) in try InputFile.bytes(path, what: "the input") }
                ?? FileHandle.standardInput.readDataToEndOfFile()
            text = try InputFile.decode(data, file: name, what: "the input")
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        let encoder = RampartCore.RunFileCodec.encoder()
        var failures = 0
        var out = ""
        for (index, line) in Self.lines(text).enumerated() {
            guard let line else { continue }
            switch ScoreInput.parse(line, metric: metric) {
            case .success(let input):
                let r = metric.score(candidate: input.candidate, references: input.references, parameters: input.parameters)
                if let error = r.error {
                    // Past a scorer's bounds there is no score, only the reason: never a 0 that reads as one.
                    failures += 1
                    Console.error("error: \(name):\(index + 1):1: \(error)")
                    out += String(decoding: try encoder.encode(ScoreError(line: index + 1, error: error)), as: UTF8.self) + "\n"
                } else {
                    out += String(decoding: try encoder.encode(ScoreOutput(r)), as: UTF8.self) + "\n"
                }
            case .failure(let message):
                failures += 1
                Console.error("error: \(name):\(index + 1):1: \(message)")
                out += String(decoding: try encoder.encode(ScoreError(line: index + 1, error: message.description)), as: UTF8.self) + "\n"
            }
            if out.utf8.count > 1 << 16 {
                FileHandle.standardOutput.write(Data(out.utf8))
                out = ""
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        if failures > 0 { throw Exit.invalidInput }
    }

    /// The input's lines (`TextLines`: CR LF files read too), trimmed of spaces, tabs and CR, nil
    /// for a blank line (kept, so indices stay line numbers). Non-ASCII space at either end
    /// (U+00A0 …) is trimmed as `CharacterSet.whitespaces` does.
    static func lines(_ text: String) -> [String?] {
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D }
        return TextLines.split(text).map { raw in
            let bytes = raw.utf8
            var a = bytes.startIndex, z = bytes.endIndex
            while a < z && blank(bytes[a]) { a = bytes.index(after: a) }
            while z > a && blank(bytes[bytes.index(before: z)]) { z = bytes.index(before: z) }
            guard a < z else { return nil }
            var line = String(Substring(bytes[a..<z]))
            if bytes[a] >= 0x80 || bytes[bytes.index(before: z)] >= 0x80 { line = line.trimmingCharacters(in: .whitespaces) }
            return line.isEmpty ? nil : line
        }
    }
}

struct ScoreOutput: Encodable {
    var score: Double
    var precision: Double?
    var recall: Double?
    var pos: Double?
    var neu: Double?
    var neg: Double?
    var validJSON: Double?
    var schemaErrors: Double?
    var signature: String

    enum CodingKeys: String, CodingKey {
        case score, precision, recall, pos, neu, neg, signature
        case validJSON = "valid_json"
        case schemaErrors = "schema_errors"
    }

    init(_ r: ScoreMetric.Result) {
        score = r.score
        precision = r.precision
        recall = r.recall
        pos = r.extras["pos"]
        neu = r.extras["neu"]
        neg = r.extras["neg"]
        validJSON = r.extras["valid_json"]
        schemaErrors = r.extras["schema_errors"]
        signature = r.signature
    }
}

struct ScoreError: Encodable {
    var line: Int
    var error: String
}
