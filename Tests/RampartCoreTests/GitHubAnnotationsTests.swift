import Testing

@testable import RampartCore

/// Workflow commands are parsed by the runner: a message or title that is not escaped as the
/// toolkit escapes it is cut at the first newline, colon or comma, or runs commands of its own.
struct GitHubAnnotationsTests {
    static func gate(_ verdict: GateVerdict) -> GateResult {
        var check = GateCheck(
            threshold: "min_score", measure: "m", candidate: 0.5, baseline: nil, interval: Interval(low: 0.4, high: 0.6), method: "x", n: 10,
            limit: 0.8, comparison: .atLeast)
        check.verdict = verdict
        return GateResult(name: "g", kind: .golden, items: 1, candidateErrors: 0, baselineErrors: 0, checks: [check])
    }

    @Test func messagesAndPropertiesAreEscapedAsTheToolkitDoes() {
        let line = GitHubAnnotations.command("error", ["title": "a: b, c", "file": "d,e.jsonl", "line": "3"], "50% worse\nnext\r::set-env x")
        #expect(line == "::error file=d%2Ce.jsonl,line=3,title=a%3A b%2C c::50%25 worse%0Anext ::set-env x")
    }

    @Test func anItemAnswerCannotSmuggleEscapesOrANewCommand() {
        let outcome = ItemOutcome(
            id: "x", candidate: 0, baseline: 1, passed: false, detail: "leaked", sample: "ok\u{1B}]0;pwned\u{07}\n::error::fake")
        let lines = GitHubAnnotations.lines([GateReport(result: Self.gate(.fail), items: [outcome])]) { _, _ in nil }
        #expect(lines.count == 2)
        #expect(!lines.joined().unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(lines[1].hasSuffix("::leaked%0Aanswer: ok%0A::error::fake"))
        #expect(!lines[1].contains("\n"))
    }

    @Test func passingGatesSayNothing() {
        let result = Self.gate(.pass)
        let bad = ItemOutcome(id: "x", candidate: 0, baseline: 1, passed: false, detail: "low", sample: nil)
        #expect(GitHubAnnotations.lines([GateReport(result: result, items: [bad])]) { _, _ in nil }.isEmpty)
    }
}
