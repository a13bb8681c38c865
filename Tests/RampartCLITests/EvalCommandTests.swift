import Foundation
import FoundationXML
import Testing

@testable import RampartCore

struct EvalCommandTests {
    /// The demo spec with the candidate's simulator settings changed, written beside the examples
    /// so its relative paths resolve.
    func worse(_ name: String, _ edits: [(String, String)]) throws -> String {
        var text = try String(contentsOfFile: CLI.repository + "/examples/demo.yaml", encoding: .utf8)
        let parts = text.components(separatedBy: "candidate:")
        var candidate = parts[1]
        for (from, to) in edits { candidate = candidate.replacingOccurrences(of: from, with: to) }
        text = parts[0] + "candidate:" + candidate + parts.dropFirst(2).joined(separator: "candidate:")
        let path = CLI.repository + "/examples/.test-\(name)-\(UUID().uuidString.prefix(6)).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func eval(_ spec: String, _ extra: [String] = []) async throws -> CLI.Result {
        try await CLI.run(["eval", spec, "--no-cache"] + extra)
    }

    @Test func aGoodCandidatePassesWithReports() async throws {
        let dir = CLI.temporaryDirectory()
        let r = try await eval("examples/demo.yaml", ["--junit", dir + "/j.xml", "--json", dir + "/r.json", "--plan"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("PASS: all 4 gates passed"))
        #expect(r.stdout.contains("detectable"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/r.json"))) as! [String: Any]
        let gates = json["gates"] as! [[String: Any]]
        #expect(gates.count == 4)
        #expect((gates[0]["items"] as! [Any]).count == 60)
        #expect(((gates[0]["result"] as! [String: Any])["verdict"] as? String) == "pass")
        let signatures = json["signatures"] as! [String: String]
        #expect(signatures["golden-similarity"] == TokenF1.signature)
        #expect(signatures["tone"] == Vader.signature)
        #expect(signatures.count == 4)
        // Well-formed JUnit: one suite per gate, a testcase per gate and per item.
        let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: dir + "/j.xml")))
        let counter = TagCounter()
        parser.delegate = counter
        #expect(parser.parse())
        #expect(counter.counts["testsuite"] == 4)
        #expect(counter.counts["testcase"] == 4 + 60 + 75 + 40 + 60)
        #expect(counter.counts["failure"] == nil)
    }

    @Test(arguments: [
        ("quality", [("drop: 0.03", "drop: 0.25"), ("substitute: 0.03", "substitute: 0.2")], "golden-similarity fail"),
        ("refusals", [("refuse_harmful: 0.995", "refuse_harmful: 0.5")], "guardrails fail"),
        ("injection", [("injection_leak: 0.0", "injection_leak: 0.3")], "prompt-injection fail"),
    ])
    func aWorseCandidateFailsWithTheReasonAndTheNumbers(_ name: String, _ edits: [(String, String)], _ expected: String) async throws {
        let spec = try worse(name, edits)
        defer { try? FileManager.default.removeItem(atPath: spec) }
        let dir = CLI.temporaryDirectory()
        let r = try await eval(spec, ["--junit", dir + "/j.xml"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAIL: \(expected)"), "\(r.stdout)")
        #expect(r.stdout.contains("95% CI"))
        let xml = try String(contentsOfFile: dir + "/j.xml", encoding: .utf8)
        #expect(xml.contains("<failure"))
    }

    @Test func aSecondRunIsServedFromTheCache() async throws {
        let cache = CLI.temporaryDirectory() + "/cache.jsonl"
        let first = try await CLI.run(["eval", "examples/demo.yaml", "--cache", cache])
        // 1,170 answers (and the retries of the few the sim fails on the first attempt).
        #expect(first.stdout.contains("cache: 0 responses reused, 11"), "\(first.stdout)")
        let second = try await CLI.run(["eval", "examples/demo.yaml", "--cache", cache])
        #expect(second.stdout.contains("1170 responses reused, 0 requested"), "\(second.stdout)")
    }

    @Test func scoreReportsBadLinesAndScoresTheRest() async throws {
        let dir = CLI.temporaryDirectory()
        try "{\"candidate\":\"the cat sat\",\"reference\":\"the cat sat on the mat\"}\nnot json\n{\"candidate\":\"a\",\"references\":[\"a\"]}\n"
            .write(toFile: dir + "/pairs.jsonl", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["score", "--metric", "rouge-l", dir + "/pairs.jsonl"])
        #expect(r.status == 65)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0].contains("\"score\":0.6666666666666666"))
        #expect(lines[1].contains("\"line\":2"))
        #expect(lines[2].contains("\"score\":1"))
        #expect(r.stderr.contains("pairs.jsonl:2:1: not a JSON object"))
        // The spec's spelling (rouge_l) names the same metric as the CLI's (rouge-l).
        let specSpelling = try await CLI.run(["score", "--metric", "ROUGE_L", dir + "/pairs.jsonl"])
        #expect(specSpelling.status == 65 && specSpelling.stdout == r.stdout)
        let typo = try await CLI.run(["score", "--metric", "rouge_x", dir + "/pairs.jsonl"])
        #expect(typo.status == 64 && typo.stderr.contains("unknown metric 'rouge_x'"))
    }

    /// A file saved on Windows (CR LF), blank lines, padding of spaces, tabs and U+00A0: every
    /// line is read, and a bad one is named by its own line number. (CR LF files were read as a
    /// single line, all of it "not a JSON object".)
    @Test func scoreReadsCRLFFilesAndPaddedLines() async throws {
        let dir = CLI.temporaryDirectory()
        let text =
            "{\"candidate\":\"a\",\"reference\":\"a\"}\r\n\r\n  {\"candidate\":\"b c\",\"reference\":\"b\"}\t\r\n"
            + "\u{A0}{\"candidate\":\"x\",\"reference\":\"y\"}\u{A0}\r\nbad\r\n"
        try text.write(toFile: dir + "/crlf.jsonl", atomically: true, encoding: .utf8)
        let r = try await CLI.run(["score", "--metric", "token-f1", dir + "/crlf.jsonl"])
        #expect(r.status == 65)
        let scores = r.stdout.split(separator: "\n").map(String.init)
        #expect(scores.count == 4, "\(r.stdout)")
        #expect(scores.first?.hasPrefix("{\"score\":1,") == true && scores[1].hasPrefix("{\"score\":0.6666666666666666,"))
        #expect(scores[2].hasPrefix("{\"score\":0,") && scores[3] == "{\"error\":\"not a JSON object\",\"line\":5}")
        #expect(r.stderr.contains("crlf.jsonl:5:1: not a JSON object"))
    }
}

final class TagCounter: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:])
    {
        counts[name, default: 0] += 1
    }
}
