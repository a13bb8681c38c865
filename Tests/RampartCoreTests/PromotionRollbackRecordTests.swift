import Foundation
import Testing

@testable import RampartCore

/// A promotion taken back after its run ended is a line after the outcome: read back, shown by
/// the audit record and the summary, counted as rolled back; misplaced, it is an error with its
/// line number.
struct PromotionRollbackRecordTests {
    let header = RunHeader(
        pipeline: "p", specFile: "spec.yaml", specSHA256: String(repeating: "a", count: 64),
        baseline: VariantRecord(provider: "sim", model: "m", version: "1", promptTemplateSHA256: nil, guardrailsSHA256: nil),
        candidate: VariantRecord(provider: "sim", model: "m", version: "2", promptTemplateSHA256: nil, guardrailsSHA256: nil),
        git: nil, operator: "ada", host: "h", startedAt: "2026-11-27T10:00:00Z", seed: 1, rampartVersion: "0.1.0")
    let rollback = PromotionRollbackRecord(
        t: 600, operator: "bob", reason: "users report \"odd\" answers", at: "2026-11-27T10:10:00Z", router: "file", detail: "flags.json",
        from: 100)

    func lines(outcome: RunOutcome = .promoted, extra: [String] = []) throws -> String {
        let events = [
            RunEvent(t: 0, .runStarted(RunStarted(pipeline: "p", baseline: "m@1", candidate: "m@2", stages: ["canary"], seed: 1, operator: "ada"))),
            RunEvent(t: 1, .weight(WeightChange(from: 0, to: 50, reason: "step 1 of 1"))),
            RunEvent(t: 31, .weight(WeightChange(from: 50, to: 100, reason: "promoted"))),
            RunEvent(t: 31, .finished(RunFinished(outcome: outcome, reason: "all steps held"))),
        ]
        var all = [try RunFileCodec.line(header: header)] + (try events.map { try RunFileCodec.line(event: $0) })
        all.append(
            try RunFileCodec.line(outcome: RunOutcomeRecord(t: 31, outcome: outcome, reason: "all steps held", finishedAt: "2026-11-27T10:00:31Z")))
        return (all + extra).joined(separator: "\n") + "\n"
    }

    @Test func readBackAfterThePromotion() throws {
        let text = try lines(extra: [try RunFileCodec.line(promotionRollback: rollback)])
        #expect(text.contains(#"{"type":"promotion_rollback","#))
        let r = try RunFileCodec.parse(text, file: "run.jsonl")
        #expect(r.promotionRollback == rollback)
        #expect(r.outcome?.outcome == .promoted, "the run's own decision stays as it was")
        #expect(r.finalOutcome == .rolledBack)
        #expect(try RunFileCodec.parse(try lines(), file: "run.jsonl").finalOutcome == .promoted)
    }

    @Test func misplacedRollbacksAreErrorsWithTheirLine() throws {
        let record = try RunFileCodec.line(promotionRollback: rollback)
        let cases: [(String, Int, String)] = [
            (try lines(outcome: .rolledBack, extra: [record]), 7, "after a run that ended rolled_back"),
            (try lines(extra: [record, record]), 8, "a second promotion rollback"),
            (
                try lines(extra: [record, try RunFileCodec.line(event: RunEvent(t: 700, .weight(WeightChange(from: 0, to: 5, reason: "x"))))]), 8,
                "event after the outcome line"
            ),
        ]
        for (text, line, message) in cases {
            #expect {
                try RunFileCodec.parse(text, file: "run.jsonl")
            } throws: { error in
                guard let invalid = error as? InvalidInput, let d = invalid.diagnostics.first else { return false }
                return d.line == line && d.message.contains(message) && d.file == "run.jsonl"
            }
        }
        // Before any outcome: the run had not finished, so there was no promotion to take back.
        let early = try lines().split(separator: "\n").dropLast().map(String.init) + [record]
        #expect(throws: InvalidInput.self) { try RunFileCodec.parse(early.joined(separator: "\n") + "\n", file: "run.jsonl") }
    }

    @Test func theAuditRecordAndTheSummarySayItHappenedAndWhoDidIt() throws {
        let r = try RunFileCodec.parse(try lines(extra: [try RunFileCodec.line(promotionRollback: rollback)]), file: "run.jsonl")
        let audit = AuditRecord.lines(r, file: "run.jsonl")
        #expect(audit.contains("  2026-11-27T10:10:00Z  100% → 0%  promotion rolled back at the file router (flags.json)"))
        #expect(audit.contains(#"  2026-11-27T10:10:00Z  bob rolled the promotion back after the run because "users report "odd" answers""#))
        #expect(audit.last?.hasPrefix("then       ROLLED BACK (exit 2): promotion rolled back by bob at 2026-11-27T10:10:00Z") == true)
        let summary = RunSummary.lines(events: r.events, runFile: "run.jsonl", rollback: r.promotionRollback)
        #expect(summary[0] == "outcome: PROMOTED — all steps held", "no exit 0 shown for a run that exits 2")
        #expect(summary[1].hasPrefix("then: ROLLED BACK (exit 2) — promotion rolled back by bob"))
        #expect(RunSummary.lines(events: r.events, runFile: nil)[0] == "outcome: PROMOTED (exit 0) — all steps held")
    }
}
