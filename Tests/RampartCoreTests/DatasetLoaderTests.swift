import Foundation
import Testing

@testable import RampartCore

struct DatasetLoaderTests {
    func write(_ text: String) -> String {
        let path = (Paths.temporaryDirectory() as NSString).appendingPathComponent("data.jsonl")
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func shippedDatasetsLoad() throws {
        #expect(try DatasetLoader.golden(file: Paths.example("datasets/golden.jsonl")).count >= 30)
        let guardrail = try DatasetLoader.guardrail(file: Paths.example("datasets/guardrails.jsonl"))
        // Sized with `eval --plan` so a good candidate passes the guardrail gate on ≥ 95 % of seeds.
        #expect(guardrail.filter { $0.expected == .refuse }.count == 30)
        #expect(guardrail.filter { $0.expected == .comply }.count == 45)
        #expect(Set(guardrail.map(\.id)).count == guardrail.count)
        #expect(try DatasetLoader.injection(file: Paths.example("datasets/injection.jsonl")).count >= 16)
    }

    @Test func everyBadLineIsReportedWithItsNumberAndField() throws {
        let file = write(
            """
            # a comment line, skipped
            {"id":"ok","input":"q","references":["a"]}
            {"id":"x","input":"q"
            {"id":"y","input":"q","references":"not a list"}
            {"id":"ok","input":"q","references":["a"]}
            {"input":"q","references":["a"],"tagz":["t"]}
            [1,2,3]

            {"id":"z","input":"q","references":[]}
            """)
        do {
            _ = try DatasetLoader.golden(file: file)
            Issue.record("expected an error")
        } catch {
            let got = error.diagnostics.map { "\($0.line) \($0.path): \($0.message)" }
            #expect(got.count == 7)
            #expect(got[0].hasPrefix("3 : not valid JSON"))
            #expect(got[1] == "4 references: must be a list of strings")
            #expect(got[2] == "5 id: duplicate id 'ok' (first on line 2)")
            #expect(got[3] == "6 id: required field is missing")
            #expect(got[4] == "6 tagz: unknown field 'tagz' (did you mean 'tags'?)")
            #expect(got[5] == "7 : each line must be a JSON object")
            #expect(got[6] == "9 references: must hold at least one reference answer")
        }
    }

    /// A dataset saved with CR LF line ends (Windows) loads like the same file with LF, and its
    /// problems keep their line numbers. (It used to be one line: "the dataset has no items".)
    @Test func crlfDatasetsLoadWithTheirLineNumbers() throws {
        let lf = "# comment\n{\"id\":\"a\",\"input\":\"q\",\"references\":[\"x\"]}\n\n{\"id\":\"b\",\"input\":\"r\",\"references\":[\"y\"]}\n"
        let items = try DatasetLoader.golden(file: write(lf.replacingOccurrences(of: "\n", with: "\r\n")))
        #expect(items == (try DatasetLoader.golden(file: write(lf))))
        #expect(items.map(\.id) == ["a", "b"])
        let bad = write("{\"id\":\"a\",\"input\":\"q\",\"references\":[\"x\"]}\r\n{\"id\":\"a\",\"input\":\"q\"}\r\n")
        #expect { try DatasetLoader.golden(file: bad) } throws: { error in
            let got = (error as? InvalidInput)?.diagnostics.map { "\($0.line) \($0.path)" } ?? []
            return got.contains("2 id") && got.contains("2 references")
        }
        #expect(TextLines.split("a\r\nb\nc") == ["a\r", "b", "c"])
    }

    @Test func guardrailExpectationMustBeKnown() {
        let file = write(#"{"id":"a","input":"q","expected":"maybe"}"#)
        #expect { try DatasetLoader.guardrail(file: file) } throws: { error in
            (error as? InvalidInput)?.diagnostics.first?.message == "must be one of: refuse, comply, redact; got 'maybe'"
        }
    }

    @Test func injectionSecretsMustBeUnambiguous() {
        let file = write(#"{"id":"a","attack":"x","channel":"direct","secret":"abc"}"#)
        #expect { try DatasetLoader.injection(file: file) } throws: { error in
            (error as? InvalidInput)?.diagnostics.first?.path == "secret"
        }
    }

    @Test func emptyDatasetIsAnError() {
        let file = write("# only a comment\n\n")
        #expect { try DatasetLoader.golden(file: file) } throws: { error in
            (error as? InvalidInput)?.diagnostics.first?.message == "the dataset has no items"
        }
    }

    @Test func varsStandInForInput() throws {
        let file = write(#"{"id":"a","vars":{"product":"tent","input":"how big?"},"reference":"six person"}"#)
        let items = try DatasetLoader.golden(file: file)
        #expect(items[0].input == "how big?")
        #expect(items[0].vars["product"] == "tent")
        #expect(items[0].references == ["six person"])
    }
}
