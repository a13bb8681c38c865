import Testing

@testable import RampartCore
@testable import RampartTUI

/// The bell rings once for each thing a person must look at: never for good news or for what
/// the watching operator did themselves, and not twice for one rollback.
struct BellTests {
    static func bells(_ name: String, operatorName: String = "watcher") throws -> Int {
        let events = try RunFileCodec.read(file: Paths.repository + "/sample-runs/\(name).jsonl").events
        var s = DashboardState(operatorName: operatorName, now: 0)
        return events.reduce(0) { n, e in n + DashboardReducer.reduce(&s, .engine(e)).filter { $0 == .bell }.count }
    }

    @Test(arguments: [
        ("clean-promotion", 0), ("nginx-prometheus", 0),
        // The judge's rollback decision and the run's end are one rollback.
        ("rollback-latency", 1),
        // A blocking gate, then the blocked finish: one.
        ("blocked-injection", 1),
        // The judge held the ramp for a human: that rings; the human's promotion does not.
        ("inconclusive-promoted", 1),
    ])
    func eachRecordingRingsForWhatNeedsAPerson(_ name: String, _ expected: Int) throws {
        #expect(try Self.bells(name) == expected)
    }

    @Test func anOperatorsOwnRollbackDoesNotRingForThem() throws {
        #expect(try Self.bells("operator-rollback", operatorName: "grace") == 0)
        #expect(try Self.bells("operator-rollback", operatorName: "gra") == 1)
        #expect(try Self.bells("operator-rollback", operatorName: "ada") == 1)
    }

    @Test func aFailingMetricSourceRingsOncePerOutage() {
        var s = DashboardState(operatorName: "ada", now: 0)
        let reports = [false, false, false, true, false, false]
        let rang = reports.enumerated().map { i, ok in
            DashboardReducer.reduce(&s, .engine(RunEvent(t: Double(i), .metricSource(MetricSourceReport(source: "prometheus", ok: ok)))))
                .contains(.bell)
        }
        #expect(rang == [true, false, false, false, true, false])
    }

    @Test func quittingTheDashboardAbortsWithoutARing() {
        var s = DashboardState(operatorName: "ada", now: 0)
        _ = DashboardReducer.reduce(&s, .interrupted(engineRunning: true, reason: "interrupted (SIGINT)"))
        let effects = DashboardReducer.reduce(
            &s, .engine(RunEvent(t: 1, .finished(RunFinished(outcome: .aborted, reason: "aborted: interrupted (SIGINT)")))))
        #expect(!effects.contains(.bell))
    }

    @Test func anAbortFromElsewhereRingsAndAReplayNeverDoes() {
        var s = DashboardState(operatorName: "ada", now: 0)
        let abort = RunEvent(t: 1, .finished(RunFinished(outcome: .aborted, reason: "aborted by grace at step 2")))
        #expect(DashboardReducer.reduce(&s, .engine(abort)).contains(.bell))
        var replay = DashboardState(operatorName: "ada", now: 0)
        replay.bellEnabled = false
        #expect(!DashboardReducer.reduce(&replay, .engine(abort)).contains(.bell))
    }
}
