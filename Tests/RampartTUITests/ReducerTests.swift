import Testing

@testable import RampartCore
@testable import RampartTUI

struct ReducerEventTests {
    @Test func aWholeRunFoldsIntoTheFinalState() async throws {
        let events = try await DemoRun.events()
        let s = DemoRun.state(events, upTo: .infinity)
        #expect(s.pipeline == "support-bot")
        #expect(s.candidate == "acme-chat@2025-09-14")
        #expect(s.stages.count == 7)
        #expect(s.stageStates.values.allSatisfy { $0 == .passed })
        #expect(s.gates.count == 4)
        #expect(s.steps.map(\.weight) == [10, 25, 50])
        #expect(s.weight == 100)
        #expect(s.finished?.outcome == .promoted)
        #expect(!s.canaryLive)
        // Metrics snapshots feed the panel and trends, not the log.
        #expect(!s.log.contains { $0.text.contains("  metrics  step") })
        #expect(s.history[.latencyP95]?.candidate.isEmpty == false)
        #expect(s.log.last?.text.contains("finished PROMOTED") == true)
    }

    /// The dashboard reads the run through the shared fold: after any prefix of a recording it
    /// holds exactly what `RunState` makes of the same events, as status, summary and audit do.
    @Test(arguments: ["clean-promotion", "operator-rollback", "nginx-prometheus"])
    func theDashboardHoldsTheSharedRunState(_ name: String) throws {
        let events = try RunFileCodec.read(file: Paths.repository + "/sample-runs/\(name).jsonl").events
        var s = DashboardState(operatorName: "ada", now: 0)
        for (i, e) in events.enumerated() {
            _ = DashboardReducer.reduce(&s, .engine(e))
            if i % 97 == 0 || i == events.count - 1 {
                #expect(s.run == RunState(events: events[...i]), "after event \(i)")
            }
        }
    }

    @Test func midCanaryTheStepEtaAndVerdictFollowTheEvents() async throws {
        let events = try await DemoRun.events()
        let s = DemoRun.state(events, upTo: DemoRun.stepStart(events, 1) + 15)
        #expect(s.canaryLive)
        #expect(s.currentStep == 1)
        #expect(s.weight == 25)
        #expect(s.baked > 14 && s.baked <= 15)
        #expect(s.eta?.step == 30 - s.baked)
        #expect(s.eta?.total == 30 - s.baked + 30)
        let (kind, text) = VerdictLine.make(s)
        #expect(kind == .promote || kind == .neutral)
        #expect(text.contains("step 2/3 at 25%"))
    }

    @Test func pausedTimeDoesNotBake() async throws {
        let t2 = DemoRun.stepStart(try await DemoRun.events(), 1)
        let events = try await DemoRun.events(schedule: [
            ScheduledCommand(at: t2 + 5, command: OperatorCommand(.pause, operator: "ada")),
            ScheduledCommand(at: t2 + 65, command: OperatorCommand(.resume, operator: "ada")),
        ])
        let during = DemoRun.state(events, upTo: t2 + 50)
        #expect(during.paused)
        #expect(abs(during.baked - 5) < 1.01)
        #expect(VerdictLine.make(during).1.hasPrefix("PAUSED"))
        let after = DemoRun.state(events, upTo: t2 + 70)
        #expect(!after.paused)
        #expect(abs(after.baked - 10) < 1.01)
    }

    /// The abort a signal sends says which signal it was: a closed terminal is not a Ctrl-C.
    @Test func aSignalsAbortNamesTheSignal() {
        for reason in ["interrupted (SIGINT)", "terminated (SIGTERM)", "hung up (SIGHUP: the terminal closed)"] {
            var s = DashboardState(operatorName: "ada", now: 0)
            let effects = DashboardReducer.reduce(&s, .interrupted(engineRunning: true, reason: reason))
            #expect(effects == [.send(OperatorCommand(.abort, operator: "ada", reason: reason))])
            #expect(s.pending == "\(reason): aborting, traffic back to the baseline")
            #expect(s.quitting)
        }
        var done = DashboardState(operatorName: "ada", now: 0)
        #expect(DashboardReducer.reduce(&done, .interrupted(engineRunning: false, reason: "terminated (SIGTERM)")).isEmpty)
    }

    @Test func stalenessIsMeasuredInWallTime() {
        var s = DashboardState(operatorName: "ada", now: 100)
        _ = DashboardReducer.reduce(
            &s, .engine(RunEvent(t: 0, .runStarted(RunStarted(pipeline: "p", baseline: "b", candidate: "c", stages: [], seed: 1, operator: "ada")))))
        _ = DashboardReducer.reduce(&s, .tick(130))
        #expect(s.silence == 30)
        let screen = DashboardView.render(s, width: 80, height: 24, theme: .builtinDefault)
        #expect(screen.line(0).contains("STALE: no event for 30s"))
    }
}

struct ReducerKeyTests {
    func liveState() async throws -> DashboardState { DemoRun.state(try await DemoRun.events(), upTo: 45) }

    @Test func rollbackAsksFirstWithCancelFocused() async throws {
        var s = try await liveState()
        #expect(DashboardReducer.reduce(&s, .key(.char("r"))) == [])
        #expect(s.overlay == .confirm(.init(action: .rollback)))
        // Enter on the focused Cancel does nothing harmful.
        #expect(DashboardReducer.reduce(&s, .key(.enter)) == [])
        #expect(s.overlay == nil)
        _ = DashboardReducer.reduce(&s, .key(.char("r")))
        for ch in "p95 up" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        _ = DashboardReducer.reduce(&s, .key(.backspace))
        _ = DashboardReducer.reduce(&s, .key(.tab))
        #expect(s.overlay == .confirm(.init(action: .rollback, reason: "p95 u", confirmFocused: true)))
        let effects = DashboardReducer.reduce(&s, .key(.enter))
        #expect(effects == [.send(OperatorCommand(.rollback, operator: "ada", reason: "p95 u"))])
        #expect(s.pending == "rollback requested by ada")
        #expect(VerdictLine.make(s).1.hasPrefix("WAITING FOR THE ENGINE"))
    }

    /// The run moves under an open dialog: the dialog stays with what was typed, says what
    /// changed, and no keystroke reaches the main keymap. Once the run has ended nothing is sent;
    /// the reason goes to the log.
    @Test func theRunMovingUnderTheDialogNeverLosesOrMisroutesAKey() async throws {
        var s = try await liveState()
        _ = DashboardReducer.reduce(&s, .key(.char("r")))
        for ch in "p95 " { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: 50, .weight(WeightChange(from: 25, to: 50, reason: "step 3 of 3")))))
        guard case .confirm(let moved) = s.overlay else { Issue.record("the dialog closed when the weight moved"); return }
        #expect(moved.moved == "while this was open, the weight moved from 25% to 50%" && moved.reason == "p95 ")
        for ch in "up" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        _ = DashboardReducer.reduce(&s, .key(.tab))
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: 60, .finished(RunFinished(outcome: .promoted, reason: "all 3 canary steps held")))))
        guard case .confirm(let ended) = s.overlay else { Issue.record("the dialog closed when the run ended"); return }
        #expect(ended.ended?.outcome == .promoted && !ended.confirmFocused, "focus back on the harmless choice")
        // Keys that are bound in the main keymap (q quits, p promotes) stay text in the dialog.
        for ch in " q p" { #expect(DashboardReducer.reduce(&s, .key(.char(ch))) == []) }
        guard case .confirm(let typed) = s.overlay else { Issue.record("the dialog closed while typing"); return }
        #expect(typed.reason == "p95 up q p" && !s.quitting)
        let screen = DashboardView.render(s, width: 100, height: 40, theme: .builtinDefault)
        let text = (0..<40).map { screen.line($0) }.joined(separator: "\n")
        #expect(text.contains("The run ended PROMOTED while this was open:"))
        #expect(text.contains("A rollback can no longer go through this run"))
        // Enter sends nothing to a finished run and keeps the reason in the log.
        #expect(DashboardReducer.reduce(&s, .key(.enter)) == [])
        #expect(s.overlay == nil && s.log.last?.text.contains("ada (not sent, the run had ended): p95 up q p") == true)
        #expect(s.flash?.text == "not sent: the run had already ended PROMOTED")
    }

    @Test func quittingAfterTheRunEndedUnderTheDialogAbortsNothing() async throws {
        var s = try await liveState()
        _ = DashboardReducer.reduce(&s, .key(.char("q")))
        guard case .confirm(let c) = s.overlay, c.action == .quitAbort else { Issue.record("q asks first while live"); return }
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: 60, .finished(RunFinished(outcome: .rolledBack, reason: "latency")))))
        #expect(DashboardReducer.reduce(&s, .key(.enter)) == [.quit], "no abort is sent")
        #expect(s.quitting)
    }

    /// `/` filters the event log: every key is text until Enter (q does not quit), the panel
    /// shows only matching lines and says how many of how many; an empty filter clears it.
    @Test func slashFiltersTheEventLog() async throws {
        var s = try await liveState()
        for key in [Key.char("/")] + "q step".map(Key.char) { #expect(DashboardReducer.reduce(&s, .key(key)) == []) }
        #expect(s.prompt == .init(kind: .filter, text: "q step") && !s.quitting)
        let typing = DashboardView.render(s, width: 100, height: 30, theme: .builtinDefault).line(29)
        #expect(typing.hasPrefix(" /q step_"), "\(typing)")
        _ = DashboardReducer.reduce(&s, .key(.backspace))
        for ch in "STEP" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        _ = DashboardReducer.reduce(&s, .key(.enter))
        #expect(s.prompt == nil && s.logFilter == "q steSTEP")
        _ = DashboardReducer.reduce(&s, .key(.char("/")))
        #expect(s.prompt?.text == "q steSTEP", "the filter in force is there to edit")
        for _ in 0..<9 { _ = DashboardReducer.reduce(&s, .key(.backspace)) }
        for ch in "weight" { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
        _ = DashboardReducer.reduce(&s, .key(.enter))
        let screen = DashboardView.render(s, width: 100, height: 30, theme: .builtinDefault)
        let rows = (0..<30).map { screen.line($0) }
        let top = try #require(rows.firstIndex { $0.contains("─ Events") })
        let matching = s.log.filter { $0.text.localizedCaseInsensitiveContains("weight") }.count
        #expect(rows[top].contains("matching 'weight': \(matching) of \(s.log.count)"), "\(rows[top])")
        let shown = rows[(top + 1)...].prefix { !$0.hasPrefix("└") }.filter { $0.contains(":") }
        #expect(!shown.isEmpty && shown.allSatisfy { $0.localizedCaseInsensitiveContains("weight") }, "\(shown)")
        // An empty filter clears it.
        _ = DashboardReducer.reduce(&s, .key(.char("/")))
        for _ in 0..<6 { _ = DashboardReducer.reduce(&s, .key(.backspace)) }
        #expect(s.prompt == .init(kind: .filter, text: ""))
        _ = DashboardReducer.reduce(&s, .key(.enter))
        #expect(s.logFilter == nil)
    }

    /// `:` runs a typed command: deliberate, so it acts without a dialog where the run allows it.
    @Test func colonCommandsSteerTheRunWhereItAllowsIt() async throws {
        var s = try await liveState()
        func type(_ text: String) -> [DashboardEffect] {
            _ = DashboardReducer.reduce(&s, .key(.char(":")))
            for ch in text { _ = DashboardReducer.reduce(&s, .key(.char(ch))) }
            return DashboardReducer.reduce(&s, .key(.enter))
        }
        #expect(
            type("rollback p95 tripled after the deploy") == [
                .send(OperatorCommand(.rollback, operator: "ada", reason: "p95 tripled after the deploy"))
            ])
        #expect(type("pause") == [.send(OperatorCommand(.pause, operator: "ada"))])
        #expect(type("resume") == [], "not paused: nothing sent")
        #expect(s.flash?.text == ":resume: the canary is not paused")
        #expect(type("launch") == [] && s.flash?.text.hasPrefix("unknown command ':launch'") == true)
        #expect(type("filter gate") == [] && s.logFilter == "gate")
        _ = DashboardReducer.reduce(&s, .engine(RunEvent(t: 60, .finished(RunFinished(outcome: .promoted, reason: "all 3 canary steps held")))))
        #expect(type("rollback too late") == [])
        #expect(s.flash?.text == ":rollback: not available, the run has ended; no router to reach from here")
        #expect(type("q") == [.quit])
    }

    /// The header's clock is the engine's, labelled, and agrees with the newest event's time in
    /// the log (at --speed 10 the wall clock would not).
    @Test func theHeaderClockIsTheEnginesAndSaysSo() async throws {
        var s = try await liveState()
        s.now = s.startedWall + 5
        let header = DashboardView.render(s, width: 120, height: 40, theme: .builtinDefault).line(0)
        #expect(header.hasSuffix("engine \(Widgets.clock(s.engineTime)) "), "\(header)")
        #expect(s.engineTime > 30, "the state is 45 s of engine time in, not the 5 s of wall time")
    }

    /// g shows the oldest page of the log, full, with the oldest line at the top.
    @Test func theOldestLogLineIsShownWithAFullPageUnderIt() async throws {
        var s = try await liveState()
        s.focus = .log
        _ = DashboardReducer.reduce(&s, .key(.char("g")))
        let screen = DashboardView.render(s, width: 100, height: 30, theme: .builtinDefault)
        let rows = (0..<30).map { screen.line($0) }
        let top = try #require(rows.firstIndex { $0.contains("─ Events") })
        let firstLine = String(s.log[0].text.prefix(40))
        #expect(rows[top + 1].contains(firstLine), "the oldest line first: \(rows[top + 1])")
        let logRows = rows[(top + 1)...].prefix { !$0.hasPrefix("└") }
        #expect(
            logRows.count >= 3 && logRows.allSatisfy { $0.dropFirst().trimmingCharacters(in: .whitespaces).count > 1 },
            "no blank rows:\n\(logRows.joined(separator: "\n"))")
        #expect(rows[top].contains("newer below"))
    }

    /// After g, the next j moves the view at once: the scroll stops at the oldest full page
    /// (the panel's size as last drawn), instead of j having to climb back from the oldest line.
    @Test func jAfterGMovesTheViewAtOnce() async throws {
        var s = try await liveState()
        s.focus = .log
        let screen = { DashboardView.render(s, width: 100, height: 30, theme: .builtinDefault) }
        let rows = try #require(screen().hotspots.first { $0.target == .log }).height - 2
        _ = DashboardReducer.reduce(&s, .layout(logRows: rows))
        _ = DashboardReducer.reduce(&s, .key(.char("g")))
        #expect(s.logScroll == s.log.count - rows)
        let oldest = screen().line(try #require((0..<30).first { screen().line($0).contains("─ Events") }) + 1)
        _ = DashboardReducer.reduce(&s, .key(.char("j")))
        let next = screen().line(try #require((0..<30).first { screen().line($0).contains("─ Events") }) + 1)
        #expect(oldest != next, "j after g did not move the log")
        // k at the oldest page stays there; a taller terminal clamps the scroll to its page.
        _ = DashboardReducer.reduce(&s, .key(.char("k")))
        _ = DashboardReducer.reduce(&s, .key(.char("k")))
        #expect(s.logScroll == s.log.count - rows)
        _ = DashboardReducer.reduce(&s, .layout(logRows: rows + 5))
        #expect(s.logScroll == s.log.count - rows - 5)
    }

    @Test func escapeCancelsAndKeysInsideTheDialogAreText() async throws {
        var s = try await liveState()
        _ = DashboardReducer.reduce(&s, .key(.char("P")))
        #expect(DashboardReducer.reduce(&s, .key(.char("q"))) == [])
        #expect(DashboardReducer.reduce(&s, .key(.char("r"))) == [])
        #expect(s.overlay == .confirm(.init(action: .promoteFully, reason: "qr")))
        _ = DashboardReducer.reduce(&s, .key(.escape))
        #expect(s.overlay == nil)
    }

    @Test func promoteAndPauseSendAtOnce() async throws {
        var s = try await liveState()
        #expect(DashboardReducer.reduce(&s, .key(.char("p"))) == [.send(OperatorCommand(.promote, operator: "ada"))])
        #expect(DashboardReducer.reduce(&s, .key(.char(" "))) == [.send(OperatorCommand(.pause, operator: "ada"))])
        s.run.stageStates[StageName.canary] = .paused
        #expect(DashboardReducer.reduce(&s, .key(.char(" "))) == [.send(OperatorCommand(.resume, operator: "ada"))])
    }

    @Test func keysThatDoNotApplySaySoInsteadOfBeingIgnored() {
        var s = DashboardState(operatorName: "ada", now: 0)
        #expect(DashboardReducer.reduce(&s, .key(.char("r"))) == [])
        #expect(s.overlay == nil)
        #expect(s.flash?.text == "r (roll back to the baseline, asks first): not available, no live canary yet")
        _ = DashboardReducer.reduce(&s, .key(.char("z")))
        #expect(s.flash?.text == "z: no such key; press ? for help")
        _ = DashboardReducer.reduce(&s, .tick(DashboardReducer.flashSeconds + 0.1))
        #expect(s.flash == nil)
    }

    @Test func quitAsksWhileLiveAndAbortsWhenConfirmed() async throws {
        var s = try await liveState()
        #expect(DashboardReducer.reduce(&s, .key(.char("q"))) == [])
        _ = DashboardReducer.reduce(&s, .key(.right))
        let effects = DashboardReducer.reduce(&s, .key(.enter))
        #expect(effects == [.send(OperatorCommand(.abort, operator: "ada", reason: "operator quit the dashboard")), .quit])
        #expect(s.quitting)
        var done = DemoRun.state(try await DemoRun.events(), upTo: .infinity)
        #expect(DashboardReducer.reduce(&done, .key(.char("q"))) == [.quit])
    }

    @Test func helpIsGeneratedFromTheKeymapWithUnavailableKeysGreyed() async throws {
        var s = DashboardState(operatorName: "ada", now: 0)
        _ = DashboardReducer.reduce(&s, .key(.char("?")))
        #expect(s.overlay == .help)
        let screen = DashboardView.render(s, width: 100, height: 30, theme: .builtinDefault)
        let text = screen.textDump()
        for b in Keymap.bindings { #expect(text.contains(b.help), "\(b.help) missing from help") }
        #expect(text.contains("(not now: no live canary yet)"))
        _ = DashboardReducer.reduce(&s, .key(.char("x")))
        #expect(s.overlay == nil)
    }

    @Test func focusScrollAndThemeCycle() async throws {
        var s = try await liveState()
        _ = DashboardReducer.reduce(&s, .key(.down))
        #expect(s.selectedMetric == 1)
        _ = DashboardReducer.reduce(&s, .key(.tab))
        #expect(s.focus == .log)
        _ = DashboardReducer.reduce(&s, .key(.char("k")))
        _ = DashboardReducer.reduce(&s, .key(.pageUp))
        #expect(s.logScroll == 9)
        _ = DashboardReducer.reduce(&s, .key(.char("G")))
        #expect(s.logScroll == 0)
        _ = DashboardReducer.reduce(&s, .key(.char("t")))
        #expect(s.themeName == "mono")
        _ = DashboardReducer.reduce(&s, .key(.char("t")))
        #expect(s.themeName == "default")
    }
}
