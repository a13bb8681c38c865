import Foundation
import RampartCore

/// What reaches the dashboard: engine events, keys, and the passage of wall time.
public enum DashboardMsg: Sendable {
    case engine(RunEvent)
    case key(Key)
    /// Wall-clock seconds, so elapsed time and staleness move even when no event arrives.
    case tick(Double)
    /// A signal (SIGINT, SIGTERM, SIGHUP) reached the process; `engineRunning` when there is a
    /// run to abort, `reason` names the signal ("hung up (SIGHUP: the terminal closed)").
    case interrupted(engineRunning: Bool, reason: String)
    /// Where a replay stands (position, speed, pause), after the player moved.
    case replayStatus(DashboardState.ReplayStatus)
    /// A click on what the last frame drew there.
    case click(ClickTarget)
    /// A wheel notch over what the last frame drew there (nil: nothing in particular).
    case wheel(ClickTarget?, up: Bool)
    /// How many log lines the last frame's panel held.
    case layout(logRows: Int)
    /// The promotion's rollback, asked after the run ended, went through or failed.
    case promotionUndone(ok: Bool, text: String)
}

/// What the reducer asks the outside world to do.
public enum DashboardEffect: Equatable, Sendable {
    case send(OperatorCommand)
    /// Leave the dashboard once the engine has finished (an unfinished run is aborted first).
    case quit
    /// Ring the terminal bell: something a watching operator should look at happened.
    case bell
    /// Steer the replay (speed, pause, jumps); only in replays.
    case replay(ReplayControl)
    /// Take back the run's promotion at its router (the run has ended promoted).
    case rollBackPromotion(reason: String?)
}

/// The dashboard's pure update function, in the Elm style: state and message in, new state and
/// effects out. No curses, no clock, no engine: tested by feeding it values.
public enum DashboardReducer {
    public static let flashSeconds = 3.0

    public static func reduce(_ s: inout DashboardState, _ msg: DashboardMsg) -> [DashboardEffect] {
        switch msg {
        case .tick(let now):
            s.now = now
            if let f = s.flash, f.until <= now { s.flash = nil }
            return []
        case .engine(let event):
            let before = s.run
            apply(event, to: &s)
            let rings = s.bell.rings(event.body, before: before, operatorName: s.operatorName, quitting: s.quitting)
            return s.bellEnabled && rings ? [.bell] : []
        case .key(let key):
            return press(key, &s)
        case .interrupted(let engineRunning, let reason):
            s.quitting = true
            s.pending = "\(reason): aborting, traffic back to the baseline"
            return engineRunning ? [.send(OperatorCommand(.abort, operator: s.operatorName, reason: reason))] : []
        case .replayStatus(let status):
            s.replay = status
            return []
        case .click(let target):
            return click(target, &s)
        case .wheel(let target, let up):
            return wheel(target, up: up, &s)
        case .layout(let rows):
            s.logRows = max(1, rows)
            s.logScroll = min(s.logScroll, maxLogScroll(s))
            return []
        case .promotionUndone(let ok, let text):
            promotionUndone(ok: ok, text: text, &s)
            return []
        }
    }

    // MARK: engine events

    /// The run's own fold (`RunState`) first, then what only a screen needs: metric trends,
    /// feedback that a command arrived, banners for failures, the log.
    static func apply(_ e: RunEvent, to s: inout DashboardState) {
        s.run.apply(e)
        s.lastEventWall = s.now
        switch e.body {
        case .runStarted(let r):
            for m in r.canaryMetrics ?? [] { s.history[m.metric] = .init() }
        case .metrics(let m):
            let watched = s.history.keys.isEmpty ? CanaryMetric.allCases : Array(s.history.keys)
            for metric in watched {
                // Trends show the sliding window where there is one, so a change shows as a change
                // instead of being averaged into the whole step.
                let b = m.recentBaseline ?? m.baseline
                let c = m.recentCandidate ?? m.candidate
                s.history[metric, default: .init()].append(baseline: b.value(metric), candidate: c.value(metric))
            }
        case .operatorAction:
            s.pending = nil
        case .finished(let f):
            s.finishedWall = s.now
            s.pending = nil
            // An open dialog stays, with what was typed in it: closing it would send the next
            // keystrokes of a reason to the main keymap. A rollback asked as the run promoted
            // becomes a rollback of the promotion, where the router can do it.
            if case .confirm(var c) = s.overlay {
                if c.action == .rollback && f.outcome == .promoted && s.promotionUndo.unavailableReason == nil {
                    c.action = .rollbackPromotion
                    c.moved = "the run ended PROMOTED while this was open: the candidate takes all traffic now"
                } else {
                    c.ended = f
                }
                c.confirmFocused = false
                s.overlay = .confirm(c)
            }
        case .weight(let w):
            if case .confirm(var c) = s.overlay, c.ended == nil {
                c.moved = "while this was open, the weight moved from \(MetricFormat.percent(w.from)) to \(MetricFormat.percent(w.to))"
                s.overlay = .confirm(c)
            }
        case .router(let r):
            if !r.ok { s.flash = .init(text: "ROUTER FAILED: \(r.error ?? "unknown error")", until: s.now + 10) }
        case .metricSource(let m):
            if !m.ok { s.flash = .init(text: "METRICS QUERY FAILED: \(m.error ?? "unknown error")", until: s.now + 10) }
        case .stage, .gate, .canaryStep, .analysis, .dataPlane, .buildStep, .notification, .published, .observations:
            break
        }
        if case .metrics = e.body { return }
        if case .observations = e.body { return }
        s.log.append(.init(text: EventLine.format(e), tone: tone(of: e.body)))
        if s.logScroll > 0 { s.logScroll += 1 }
    }

    static func tone(of body: RunEvent.Body) -> DashboardState.LogLine.Tone {
        switch body {
        case .stage(let c): c.state == .failed ? .bad : (c.state == .passed ? .good : (c.state == .paused ? .warn : .normal))
        case .gate(let g): g.passed ? .good : .bad
        case .buildStep(let b): b.succeeded ? .normal : .bad
        case .analysis(let a): a.decision == .rollback ? .bad : (a.results.contains { $0.status == .watching } ? .warn : .normal)
        case .operatorAction: .operatorAction
        case .notification(let n): n.delivered ? .normal : .warn
        case .published(let p): p.ok ? .normal : .warn
        case .router(let r): r.ok ? .normal : .bad
        case .metricSource(let m): m.ok ? .good : .bad
        case .finished(let f): f.outcome == .promoted ? .good : .bad
        default: .normal
        }
    }

    // MARK: keys

    /// A key goes to the open dialog if there is one, then to the replay's controls in a
    /// replay, then to the keymap.
    static func press(_ key: Key, _ s: inout DashboardState) -> [DashboardEffect] {
        if s.overlay != nil { return pressInOverlay(key, &s) }
        if s.prompt != nil { return pressInPrompt(key, &s) }
        if s.replay != nil, let effects = pressInReplay(key, &s) { return effects }
        return pressBound(key, &s)
    }

    /// Help closes on any key; a confirmation dialog takes its reason, focus moves and Enter.
    static func pressInOverlay(_ key: Key, _ s: inout DashboardState) -> [DashboardEffect] {
        guard case .confirm(var c) = s.overlay else {
            s.overlay = nil
            return []
        }
        switch key {
        case .escape:
            s.overlay = nil
        case .tab, .backTab, .left, .right:
            c.confirmFocused.toggle()
            s.overlay = .confirm(c)
        case .enter:
            s.overlay = nil
            if let ended = c.ended { return afterTheEnd(c, ended, &s) }
            return c.confirmFocused ? confirmed(c, &s) : []
        case .backspace:
            if !c.reason.isEmpty { c.reason.removeLast() }
            s.overlay = .confirm(c)
        case .char(let ch) where !ch.isNewline && c.reason.count < 200:
            c.reason.append(ch)
            s.overlay = .confirm(c)
        default:
            break
        }
        return []
    }

    /// The replay's own keys; nil for a key the keymap handles.
    static func pressInReplay(_ key: Key, _ s: inout DashboardState) -> [DashboardEffect]? {
        switch key {
        case .char(" "): return [.replay(.togglePause)]
        case .char("+"), .char("="): return [.replay(.faster)]
        case .char("-"): return [.replay(.slower)]
        case .char("n"): return [.replay(.nextDecision)]
        case .char("N"): return [.replay(.previousDecision)]
        case .right: return [.replay(.seek(10))]
        case .left: return [.replay(.seek(-10))]
        case .char("p"), .char("P"), .char("r"):
            flash("\(key.label): disabled in a replay: this is a recording, nothing to steer", &s)
            return []
        case .char("q"):
            s.quitting = true
            return [.quit]
        default: return nil
        }
    }

    static func pressBound(_ key: Key, _ s: inout DashboardState) -> [DashboardEffect] {
        guard let binding = Keymap.binding(for: key) else {
            flash("\(key.label): no such key; press ? for help", &s)
            return []
        }
        if let why = binding.unavailable(s) {
            flash("\(key.label) (\(binding.help)): not available, \(why)", &s)
            return []
        }
        switch binding.action {
        case .promote:
            s.pending = "promote to the next step requested"
            return [.send(OperatorCommand(.promote, operator: s.operatorName))]
        case .promoteFully:
            s.overlay = .confirm(.init(action: .promoteFully))
        case .rollback:
            s.overlay = .confirm(.init(action: s.finished?.outcome == .promoted ? .rollbackPromotion : .rollback))
        case .pauseResume:
            let kind: OperatorCommand.Kind = s.paused ? .resume : .pause
            s.pending = kind == .pause ? "pause requested" : "resume requested"
            return [.send(OperatorCommand(kind, operator: s.operatorName))]
        case .help:
            s.overlay = .help
        case .cycleFocus:
            let all = DashboardState.Focus.allCases
            s.focus = all[((all.firstIndex(of: s.focus) ?? 0) + 1) % all.count]
        case .scrollUp:
            if s.focus == .log {
                s.logScroll = min(s.logScroll + 1, maxLogScroll(s))
            } else {
                s.selectedMetric = max(0, s.selectedMetric - 1)
            }
        case .scrollDown:
            if s.focus == .log {
                s.logScroll = max(0, s.logScroll - 1)
            } else {
                s.selectedMetric = min(max(0, metricRows(s).count - 1), s.selectedMetric + 1)
            }
        case .pageUp:
            s.logScroll = min(s.logScroll + s.logRows, maxLogScroll(s))
        case .pageDown:
            s.logScroll = max(0, s.logScroll - s.logRows)
        case .top:
            s.logScroll = maxLogScroll(s)
        case .bottom:
            s.logScroll = 0
        case .cycleTheme:
            s.themeIndex = (s.themeIndex + 1) % s.themeNames.count
            flash("theme: \(s.themeName)", &s)
        case .replaySpeed, .replayJump, .replaySeek:
            break
        case .filterLog:
            s.prompt = .init(kind: .filter, text: s.logFilter ?? "")
        case .commandLine:
            s.prompt = .init(kind: .command)
        case .quit:
            if s.canaryLive {
                s.overlay = .confirm(.init(action: .quitAbort))
                return []
            }
            s.quitting = true
            return [.quit]
        }
        return []
    }

    static func confirmed(_ c: DashboardState.Confirmation, _ s: inout DashboardState) -> [DashboardEffect] {
        let reason = c.reason.trimmingCharacters(in: .whitespaces).isEmpty ? nil : c.reason.trimmingCharacters(in: .whitespaces)
        switch c.action {
        case .rollback:
            s.pending = "rollback requested by \(s.operatorName)"
            return [.send(OperatorCommand(.rollback, operator: s.operatorName, reason: reason))]
        case .promoteFully:
            s.pending = "full promotion requested by \(s.operatorName)"
            return [.send(OperatorCommand(.promoteFully, operator: s.operatorName, reason: reason))]
        case .quitAbort:
            s.pending = "aborting: traffic back to the baseline"
            s.quitting = true
            return [.send(OperatorCommand(.abort, operator: s.operatorName, reason: reason ?? "operator quit the dashboard")), .quit]
        case .rollbackPromotion:
            return rollBackPromotion(reason: reason, &s)
        }
    }

    /// Enter in a dialog whose run has ended: nothing is sent (the engine has finished), quitting
    /// aborts nothing, and a typed reason goes to the log so it is not lost.
    static func afterTheEnd(_ c: DashboardState.Confirmation, _ ended: RunFinished, _ s: inout DashboardState) -> [DashboardEffect] {
        let reason = c.reason.trimmingCharacters(in: .whitespaces)
        if !reason.isEmpty {
            s.log.append(.init(text: "note     \(s.operatorName) (not sent, the run had ended): \(reason)", tone: .operatorAction))
            if s.logScroll > 0 { s.logScroll += 1 }
        }
        switch c.action {
        case .quitAbort:
            s.quitting = true
            return [.quit]
        case .rollback, .promoteFully, .rollbackPromotion:
            flash("not sent: the run had already ended \(ended.outcome.rawValue.uppercased())", &s)
            return []
        }
    }

    static func flash(_ text: String, _ s: inout DashboardState) {
        s.flash = .init(text: text, until: s.now + flashSeconds)
    }

    /// The scroll that shows the oldest page of the (filtered) log in full: further is no use.
    static func maxLogScroll(_ s: DashboardState) -> Int {
        let lines = s.logFilter.map { f in s.log.lazy.filter { $0.text.localizedCaseInsensitiveContains(f) }.count } ?? s.log.count
        return max(0, lines - s.logRows)
    }

    /// The metrics shown as rows: the watched ones in spec order, else all with data.
    public static func metricRows(_ s: DashboardState) -> [CanaryMetric] {
        let watched = CanaryMetric.allCases.filter { s.history[$0] != nil }
        return watched.isEmpty ? (s.latest == nil ? [] : CanaryMetric.allCases) : watched
    }
}
