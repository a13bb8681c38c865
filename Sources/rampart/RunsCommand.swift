import ArgumentParser
import Foundation
import RampartCore
import RampartEngine

/// `rampart runs` and `rampart runs show RUN`: the run history and one run's audit record.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List past runs, newest first (date, pipeline, candidate, outcome, duration, operator).",
        subcommands: [RunsListCommand.self, RunsShowCommand.self],
        defaultSubcommand: RunsListCommand.self)

    static let defaultDirectory = ".rampart/runs"

    /// A run named by path, by file name in the runs directory, or by a unique prefix of it.
    static func resolve(_ name: String, in directory: String) throws -> String {
        if FileManager.default.fileExists(atPath: name) { return name }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let matches = files.filter { $0.hasPrefix(name) && $0.hasSuffix(".jsonl") }
        if matches.count == 1 { return (directory as NSString).appendingPathComponent(matches[0]) }
        if matches.isEmpty {
            Console.error("error: no run '\(name)' (not a file, nor a run in \(directory))")
        } else {
            Console.error("error: '\(name)' matches \(matches.count) runs: \(matches.prefix(5).joined(separator: ", "))")
        }
        throw Exit.usage
    }
}

struct RunsListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List past runs, newest first.")

    @Option(help: "The runs directory.")
    var dir: String = RunsCommand.defaultDirectory

    @Option(help: "Show at most this many.")
    var limit: Int = 50

    func run() throws {
        Console.warnCrashedRuns()
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted(by: >)
        if files.isEmpty {
            say("no runs in \(dir)")
            return
        }
        var rows: [[String]] = [["run", "started", "pipeline", "candidate", "outcome", "duration", "operator"]]
        for name in files.prefix(limit) {
            let path = (dir as NSString).appendingPathComponent(name)
            guard let r = try? RunFileCodec.read(file: path, skipObservations: true) else {
                rows.append([name, "?", "?", "?", "UNREADABLE", "", ""])
                continue
            }
            var outcome = r.outcome.map { $0.outcome.rawValue.uppercased() } ?? (r.truncatedLine != nil ? "CUT OFF" : "UNFINISHED")
            if r.promotionRollback != nil { outcome += ", ROLLED BACK" }
            let duration = (r.outcome?.t ?? r.events.last?.t).map { DurationText.format($0) } ?? "-"
            rows.append([
                String(name.dropLast(6)), String(r.header.startedAt.prefix(19)).replacingOccurrences(of: "T", with: " "), r.header.pipeline,
                "\(r.header.candidate.model)@\(r.header.candidate.version)", outcome, duration, r.header.operator,
            ])
        }
        let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
        for row in rows { say(row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")) }
        if files.count > limit { say("… \(files.count - limit) older runs (--limit)") }
    }
}

struct RunsShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "The audit record of one run: what went out, the gates' numbers, every weight change, who did what, when and why.")

    @Argument(help: "A run file, or a run's name (or unique prefix) in the runs directory.")
    var name: String

    @Option(help: "The runs directory.")
    var dir: String = RunsCommand.defaultDirectory

    func run() throws {
        let path = try RunsCommand.resolve(name, in: dir)
        let recording: RunFileCodec.Recording
        do {
            recording = try RunFileCodec.read(file: path, skipObservations: true)
        } catch {
            Console.report(error)
            throw Exit.invalidInput
        }
        for line in AuditRecord.lines(recording, file: path) { say(line) }
    }
}
