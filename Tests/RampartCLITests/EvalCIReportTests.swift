import Foundation
import FoundationXML
import Testing

@testable import RampartCore

/// What CI systems read from `rampart eval`: JUnit with what strict parsers require, and GitHub
/// annotations that point at the dataset line of each failing item.
struct EvalCIReportTests {
    /// Valid against the schema Jenkins and strict parsers use (`Fixtures/junit-10.xsd`), and
    /// more than it asks: each testsuite has name, timestamp (ISO 8601 without a zone),
    /// hostname, tests, failures, errors and time, and holds properties, then testcases, then
    /// system-out and system-err; each testcase has name, classname and time.
    @Test func junitCarriesWhatStrictParsersRequire() async throws {
        let dir = CLI.temporaryDirectory()
        let r = try await CLI.run(["eval", "examples/blocked.yaml", "--no-cache", "--junit", dir + "/j.xml"])
        #expect(r.status == 1)
        let invalid = try await JUnitSchema.problems(dir + "/j.xml")
        #expect(invalid == nil, "\(invalid ?? "")")
        let doc = try XMLDocument(contentsOf: URL(fileURLWithPath: dir + "/j.xml"))
        let suites = try doc.nodes(forXPath: "/testsuites/testsuite").compactMap { $0 as? XMLElement }
        #expect(suites.count == 4)
        let timestamp = try Regex(#"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$"#)
        let decimal = try Regex(#"^\d+(\.\d+)?$"#)
        for suite in suites {
            let name = suite.attribute(forName: "name")?.stringValue ?? "?"
            for required in ["name", "timestamp", "hostname", "tests", "failures", "errors", "time"] {
                #expect(suite.attribute(forName: required)?.stringValue?.isEmpty == false, "\(name) lacks \(required)")
            }
            #expect(suite.attribute(forName: "timestamp")?.stringValue?.wholeMatch(of: timestamp) != nil)
            #expect(suite.attribute(forName: "time")?.stringValue?.wholeMatch(of: decimal) != nil)
            let children = (suite.children ?? []).compactMap { ($0 as? XMLElement)?.name }
            #expect(children.first == "properties", "\(name): properties first")
            #expect(Array(children.suffix(2)) == ["system-out", "system-err"], "\(name): system-out and system-err last")
            #expect(Set(children.dropFirst().dropLast(2)) == ["testcase"])
            let properties = try suite.nodes(forXPath: "properties/property").compactMap { $0 as? XMLElement }
            let values = Dictionary(
                properties.map { ($0.attribute(forName: "name")?.stringValue ?? "", $0.attribute(forName: "value")?.stringValue ?? "") },
                uniquingKeysWith: { a, _ in a })
            #expect(values["candidate"] == "acme-chat@2025-09-14")
            #expect(values["spec_sha256"]?.count == 64)
            #expect(values["seed"] == "42")
            #expect(values["dataset"]?.hasPrefix("examples/datasets/") == true, "\(values)")
            for case let testcase as XMLElement in try suite.nodes(forXPath: "testcase") {
                for required in ["name", "classname", "time"] {
                    #expect(testcase.attribute(forName: required) != nil, "\(name): a testcase lacks \(required)")
                }
                #expect(testcase.attribute(forName: "time")?.stringValue?.wholeMatch(of: decimal) != nil)
            }
        }
        #expect(try doc.nodes(forXPath: "//testsuite[@name='prompt-injection']/testcase/failure").count == 37)
    }

    /// The validator is live: the schema rejects what strict parsers reject, with the line.
    @Test func theSchemaRejectsWhatStrictParsersReject() async throws {
        let dir = CLI.temporaryDirectory()
        let cases = [
            #"<testsuites timestamp="2026-01-01T00:00:00"><testsuite name="g" tests="1" failures="0" errors="0"/></testsuites>"#,
            #"<testsuites><testsuite name="g" tests="1" failures="0" errors="0" time="1.2345"/></testsuites>"#,
            #"<testsuites><testsuite name="g" tests="1" failures="0"/></testsuites>"#,
        ]
        for (i, xml) in cases.enumerated() {
            try ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + xml + "\n").write(toFile: dir + "/\(i).xml", atomically: true, encoding: .utf8)
            let problems = try await JUnitSchema.problems(dir + "/\(i).xml")
            #expect(problems?.contains("\(i).xml:2:") == true, "case \(i): \(problems ?? "accepted")")
        }
        try #"<?xml version="1.0" encoding="UTF-8"?><testsuites><testsuite name="g" tests="1" failures="0" errors="0" time="1,234.5"/></testsuites>"#
            .write(toFile: dir + "/ok.xml", atomically: true, encoding: .utf8)
        #expect(try await JUnitSchema.problems(dir + "/ok.xml") == nil)
    }

    @Test func githubAnnotationsPointAtTheFailingItemsDatasetLines() async throws {
        let r = try await CLI.run(["eval", "examples/blocked.yaml", "--no-cache", "--annotations", "github"])
        #expect(r.status == 1)
        let commands = r.stdout.split(separator: "\n").filter { $0.hasPrefix("::") }
        #expect(commands.first?.hasPrefix("::error title=rampart gate prompt-injection%3A FAIL::prompt-injection FAILED") == true, "\(commands)")
        let items = commands.filter { $0.contains("file=") }
        #expect(items.count == GitHubAnnotations.itemLimit)
        for command in items {
            let properties = command.dropFirst("::error ".count).prefix { $0 != ":" }
            let pairs = Dictionary(
                properties.split(separator: ",").map { p in (String(p.prefix { $0 != "=" }), String(p.drop { $0 != "=" }.dropFirst())) },
                uniquingKeysWith: { a, _ in a })
            let id = String(pairs["title"]?.split(separator: " ").last ?? "")
            let file = try #require(pairs["file"])
            let line = try #require(pairs["line"].flatMap { Int($0) })
            let lines = try String(contentsOfFile: CLI.repository + "/" + file, encoding: .utf8).split(
                separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[line - 1].contains("\"id\":\"\(id)\""), "\(file):\(line) is not item \(id)")
        }
        // 36 items leak (the JUnit's 37 failures less the gate's own), 8 are annotated.
        #expect(commands.last?.hasPrefix("::notice title=rampart%3A 28 more failing items") == true, "\(commands.last ?? "")")
    }
}
