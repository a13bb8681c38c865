import Testing

@testable import RampartCore
@testable import RampartTUI

/// The window title follows the run, so a tab bar or tmux status line tells where it stands.
struct TerminalTitleTests {
    static func titles(_ name: String) throws -> [String] {
        let events = try RunFileCodec.read(file: Paths.repository + "/sample-runs/\(name).jsonl").events
        var s = DashboardState(operatorName: "ada", now: 0)
        var seen: [String] = []
        for e in events {
            _ = DashboardReducer.reduce(&s, .engine(e))
            let title = TerminalTitle.text(s)
            if seen.last != title { seen.append(title) }
        }
        return seen
    }

    @Test func aRollbackRunsTitleFollowsItsStages() throws {
        let seen = try Self.titles("rollback-latency")
        #expect(seen.first == "rampart · support-bot · starting")
        #expect(
            Array(seen.dropFirst().prefix(5)) == [
                "rampart · support-bot · build", "rampart · support-bot · gate:golden-similarity", "rampart · support-bot · gate:guardrails",
                "rampart · support-bot · gate:prompt-injection", "rampart · support-bot · gate:tone",
            ])
        #expect(seen.contains("rampart · support-bot · canary 25% step 1/2"))
        #expect(Array(seen.suffix(2)) == ["rampart · support-bot · rolling back", "rampart · support-bot · ROLLED BACK"])
    }

    @Test func aHeldRampAsksForADecision() throws {
        let seen = try Self.titles("inconclusive-promoted")
        #expect(seen.contains { $0.contains("PAUSED at") && $0.hasSuffix("needs a decision") })
        #expect(seen.last?.hasSuffix("PROMOTED") == true)
    }

    @Test func aBlockedGateSaysWhichStageFailed() throws {
        let seen = try Self.titles("blocked-injection")
        #expect(seen.contains("rampart · support-bot-leaky · gate:prompt-injection failed"))
        #expect(seen.last == "rampart · support-bot-leaky · BLOCKED")
    }

    @Test func aHostilePipelineNameCannotEscapeTheTitle() {
        var s = DashboardState(operatorName: "ada", now: 0)
        let started = RunStarted(pipeline: "x\u{07}\u{1B}]52;c;ZXZpbA==\u{07}y", baseline: "b", candidate: "c", stages: [], seed: 1, operator: "ada")
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: 0, .runStarted(started))))
        let title = TerminalTitle.text(s)
        #expect(!title.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
        #expect(title.hasPrefix("rampart · x"))
    }
}
