import Foundation
import RampartCore

/// Renders the dashboard: `render(state, size, theme) -> Screen`, pure. Larger terminals get more
/// detail (limits, wider trends, baselines for gates, more log), not just more space.
public enum DashboardView {
    public static let minimumWidth = 80
    public static let minimumHeight = 24
    /// Wall seconds without an event before the header warns that the feed may be stale.
    public static let staleAfter = 12.0

    public static func render(_ s: DashboardState, width: Int, height: Int, theme: Theme, glyphs: Glyphs = .unicode) -> Screen {
        let p = Palette(theme: theme)
        var screen = Screen(width: width, height: height, fill: p.base)
        if width < minimumWidth || height < minimumHeight {
            tooSmall(&screen, p)
            return glyphs == .ascii ? screen.asciiOnly() : screen
        }
        var painter = Painter(s: s, p: p, g: glyphs, screen: screen)
        painter.draw()
        screen = painter.screen
        switch s.overlay {
        case .help: Overlays.help(&screen, s, p, glyphs)
        case .confirm(let c): Overlays.confirm(&screen, s, c, p, glyphs)
        case nil: break
        }
        return glyphs == .ascii ? screen.asciiOnly() : screen
    }

    static func tooSmall(_ screen: inout Screen, _ p: Palette) {
        let lines = [
            "terminal too small",
            "need \(minimumWidth)×\(minimumHeight), have \(screen.width)×\(screen.height)",
            "enlarge the window, or press q to quit",
        ]
        let top = max(0, screen.height / 2 - 1)
        for (i, line) in lines.enumerated() {
            let fitted = CharWidth.truncate(line, to: screen.width)
            screen.put(fitted, x: max(0, (screen.width - CharWidth.of(fitted)) / 2), y: top + i, style: i == 0 ? p.title : p.base)
        }
    }
}

/// Draws the panels top to bottom into one screen.
struct Painter {
    let s: DashboardState
    let p: Palette
    let g: Glyphs
    var screen: Screen
    var y = 0

    var width: Int { screen.width }
    var height: Int { screen.height }
    var wide: Bool { width >= 110 }

    mutating func draw() {
        header()
        verdict()
        if s.replay != nil { timeline() }
        pipelineStrip()
        gateLines()
        let footerRows = 1
        let logMin = 5
        let canaryRows = canaryHeight()
        let canaryFits = y + canaryRows + logMin + footerRows <= height
        if canaryFits { canaryPanel(rows: canaryRows) }
        eventLog(rows: height - footerRows - y)
        footer()
    }

    // MARK: header and verdict

    /// Badge, pipeline, candidate vs baseline on the left; staleness, operator and elapsed time on the
    /// right. The right side always fits: the left is truncated first.
    mutating func header() {
        var right = "op \(s.operatorName)  \(Widgets.clock(s.elapsed))"
        if let r = s.replay { right = "\(Widgets.clock(r.position)) / \(Widgets.clock(r.duration))" }
        let stale = s.replay == nil && s.finished == nil && !s.pipeline.isEmpty && s.silence > DashboardView.staleAfter
        let warning = stale ? "\(g.warn) STALE: no event for \(Int(min(s.silence, 999_999)))s  " : ""
        right = warning + right
        let rightX = max(0, width - CharWidth.of(right) - 1)
        let badge = s.replay.map { " REPLAY \($0.paused ? "paused" : $0.speed) " } ?? " RAMPART "
        var x = screen.put(badge, x: 0, y: y, style: p.title.with(reverse: true))
        let room = rightX - x - 1
        let left: [(String, CellStyle)] = [(" \(s.pipeline)  ", p.title), (s.candidate, p.canary), (" vs ", p.inactive), (s.baseline, p.baseline)]
        var used = 0
        for (text, style) in left {
            let fitted = CharWidth.truncate(text, to: room - used)
            if fitted.isEmpty { break }
            x = screen.put(fitted, x: x, y: y, style: style)
            used += CharWidth.of(fitted)
            if fitted != text { break }
        }
        if !warning.isEmpty { screen.put(warning, x: rightX, y: y, style: p.stale) }
        screen.put(String(right.dropFirst(warning.count)), x: rightX + CharWidth.of(warning), y: y, style: p.base)
        y += 1
    }

    mutating func verdict() {
        let (kind, text) = VerdictLine.make(s)
        let style = p.verdict(kind)
        screen.fill(x: 0, y: y, width: width, height: 1, style: style)
        screen.put(" " + CharWidth.truncate(text, to: width - 2), x: 0, y: y, style: style)
        y += 1
    }

    /// The replay's timeline: where we are, with a mark at each decision.
    mutating func timeline() {
        guard let r = s.replay else { return }
        let label = " replay  "
        let keys = "  space pause · +/- speed · n/N decision · ←/→ seek"
        let barWidth = max(10, width - CharWidth.of(label) - CharWidth.of(keys) - 2)
        var cells = Array(repeating: g.absent == " " ? "-" : "─", count: barWidth)
        let scale = r.duration > 0 ? Double(barWidth - 1) / r.duration : 0
        for d in r.decisions { cells[min(barWidth - 1, Int((d * scale).rounded()))] = "|" }
        let at = min(barWidth - 1, Int((r.position * scale).rounded()))
        var x = screen.put(label, x: 0, y: y, style: p.inactive)
        for (i, c) in cells.enumerated() {
            x = screen.put(i == at ? (g.absent == " " ? "#" : "●") : c, x: x, y: y, style: i <= at ? p.canary.with(bold: i == at) : p.inactive)
        }
        screen.put(CharWidth.truncate(keys, to: width - x - 1), x: x, y: y, style: p.inactive)
        y += 1
    }

    func glyph(_ state: StageState) -> String {
        switch state {
        case .passed: g.pass
        case .failed: g.fail
        case .running: g.running
        case .paused: g.paused
        case .pending: g.pending
        case .skipped: g.skipped
        }
    }

    mutating func pipelineStrip() {
        var x = 1
        let names = s.stages.isEmpty ? [StageName.build, StageName.canary, StageName.promote] : s.stages
        let full =
            names.reduce(0) { $0 + CharWidth.of($1.hasPrefix("gate:") ? String($1.dropFirst(5)) : $1) + 2 } + (names.count - 1)
            * (CharWidth.of(g.arrow) + 2)
        let budget = full <= width - 2 ? Int.max / 2 : max(8, (width - 2) / max(1, names.count) - CharWidth.of(g.arrow) - 2)
        for (i, stage) in names.enumerated() {
            let state = s.stageStates[stage] ?? .pending
            let name = stage.hasPrefix("gate:") ? String(stage.dropFirst(5)) : stage
            let label = "\(glyph(state)) \(CharWidth.truncate(name, to: budget - 2))"
            x = screen.put(label, x: x, y: y, style: p.stage(state))
            if i < names.count - 1 { x = screen.put(" \(g.arrow) ", x: x, y: y, style: p.divider) }
        }
        y += 1
    }

    /// One line per gate: state word, each check's value against its threshold, and its 95% interval.
    /// When they do not all fit, gates that need attention (failed, running, inconclusive) come
    /// first and the rest are summarised on one line by glyph and name.
    mutating func gateLines() {
        let gates = s.stages.filter { $0.hasPrefix("gate:") }
        let room = height >= 30 ? gates.count : 3
        var shown = gates
        var summarised: [String] = []
        if gates.count > room {
            let attention = gates.filter { s.stageStates[$0] != .passed }
            let settled = gates.filter { s.stageStates[$0] == .passed }
            shown = Array((attention + settled).prefix(room - 1))
            summarised = gates.filter { !shown.contains($0) }
            shown = gates.filter { shown.contains($0) }
        }
        for stage in shown { gateLine(stage) }
        if !summarised.isEmpty {
            var x = screen.put("  ", x: 0, y: y, style: p.base)
            for stage in summarised {
                let state = s.stageStates[stage] ?? .pending
                x = screen.put("\(glyph(state)) \(stage.dropFirst(5)) \(state.rawValue)  ", x: x, y: y, style: p.stage(state), limit: width - 1 - x)
            }
            screen.put("(taller terminal: numbers)", x: x, y: y, style: p.inactive, limit: width - 1 - x)
            y += 1
        }
    }

    mutating func gateLine(_ stage: String) {
        let name = String(stage.dropFirst(5))
        let state = s.stageStates[stage] ?? .pending
        var x = screen.put("  \(glyph(state)) ", x: 0, y: y, style: p.stage(state))
        x = screen.put(CharWidth.pad(name, to: 18), x: x, y: y, style: p.base)
        x = screen.put(CharWidth.pad(state.rawValue, to: 8), x: x, y: y, style: p.stage(state))
        if let result = s.gates[name], result.verdict == .error, let errors = result.errors {
            screen.put(CharWidth.truncate("ERROR " + errors.summary, to: width - x - 1), x: x, y: y, style: p.stage(.failed))
        } else if let result = s.gates[name] {
            let text = result.checks.map { c in
                var t =
                    "\(shortMeasure(c)) \(fmt(c.candidate)) \(c.comparison == .atLeast ? "≥" : "≤") \(fmt(c.limit)) [\(fmt(c.interval.low))–\(fmt(c.interval.high))]"
                if wide, let b = c.baseline { t += " base \(fmt(b))" }
                switch c.verdict {
                case .pass: return t
                case .fail: return "\(g.fail) " + t
                case .inconclusive: return "? " + t + " inconclusive"
                case .error: return "! " + t + " error"
                }
            }.joined(separator: "; ")
            screen.put(CharWidth.truncate(text, to: width - x - 1), x: x, y: y, style: result.passed ? p.base : p.stage(.failed))
        } else if let reason = s.stageReasons[stage] {
            screen.put(CharWidth.truncate(reason, to: width - x - 1), x: x, y: y, style: p.inactive)
        }
        y += 1
    }

    func shortMeasure(_ c: GateCheck) -> String {
        switch c.threshold {
        case "min_score": c.measure.replacingOccurrences(of: " mean", with: "")
        case "max_regression": "Δ vs base"
        case "min_pass_rate": "pass rate"
        case "min_refusal_rate": "refused"
        case "max_over_refusal": "over-refused"
        case "max_leak_rate": "leaked"
        case "min_mean_tone": "tone"
        case "max_negative_rate": "negative"
        default: c.threshold
        }
    }

    func fmt(_ v: Double) -> String { String(format: "%.3f", v) }

    // MARK: canary

    func canaryHeight() -> Int {
        let rows = DashboardReducer.metricRows(s).count
        let detail = height >= 32 ? 1 : 0
        return 2 + 1 + 1 + max(1, rows) + detail
    }

    mutating func canaryPanel(rows total: Int) {
        let top = y
        var title = "Canary"
        if let step = s.currentStep { title += "  step \(step + 1)/\(max(s.stepCount, step + 1))" }
        if let eta = s.eta { title += "  ETA step \(Widgets.clock(eta.step)) · all \(Widgets.clock(eta.total))" }
        if s.paused { title += "  PAUSED" }
        // The judge's ETA to a decision at the current traffic: the slowest undecided metric.
        let etas = (s.analysis?.results ?? []).filter { $0.status == .undecided }.compactMap { $0.evidence?.eta }
        if let eta = etas.max(), s.finished == nil { title += "  decision ~\(Widgets.clock(eta))" }
        if let judge = s.analysis?.judge, CharWidth.of(title) + 30 < width {
            title += "  judge \(judge)"
            // Metrics read from elsewhere (Prometheus): say where, since the table shows those.
            if let source = s.analysis?.source?.split(separator: " ").first { title += " on \(source)" }
        }
        if let d = s.dataPlane, CharWidth.of(title) + 40 < width {
            if let router = d.router {
                title += "  via \(router)" + (d.meter != nil ? " + meter" : "")
            } else {
                title += d.proxy.map { "  via proxy \($0)" } ?? "  in-process traffic"
            }
        }
        let focused = s.focus == .metrics
        Widgets.box(
            &screen, x: 0, y: top, width: width, height: total, title: title, style: focused ? p.focusedBorder : p.border,
            titleStyle: focused ? p.focusedBorder : p.title, glyphs: g)
        y = top + 1
        weightLine()
        metricTable(bottom: top + total - 1)
        y = top + total
    }

    mutating func weightLine() {
        var x = screen.put(" weight ", x: 1, y: y, style: p.base)
        let gaugeWidth = wide ? 30 : 16
        let (full, empty) = Widgets.gauge(percent: s.weight, width: gaugeWidth, glyphs: g)
        let styles = p.gauge()
        x = screen.put(full, x: x, y: y, style: styles.full)
        x = screen.put(empty, x: x, y: y, style: styles.empty)
        x = screen.put(" " + CharWidth.padLeft(MetricFormat.percent(s.weight), to: 4) + "  ", x: x, y: y, style: p.canary.with(bold: true))
        if !s.steps.isEmpty {
            for (i, step) in s.steps.enumerated() {
                let current = i == s.currentStep
                let label = (current ? g.current : "") + MetricFormat.percent(step.weight)
                let done = (s.currentStep ?? -1) > i || s.finished?.outcome == .promoted
                x = screen.put(label, x: x, y: y, style: current ? p.canary.with(bold: true) : (done ? p.base : p.inactive))
                x = screen.put(" ", x: x, y: y, style: p.base)
            }
            x = screen.put("\(g.arrow) 100%", x: x, y: y, style: s.finished?.outcome == .promoted ? p.stage(.passed) : p.inactive)
        }
        let served = "  cand. reqs \(s.candidateTotal)"
        if x + CharWidth.of(served) < width - 1 { screen.put(served, x: x, y: y, style: p.inactive) }
        y += 1
    }

    /// Columns: metric, baseline, canary, difference, [limit], trend of both on one scale, state.
    mutating func metricTable(bottom: Int) {
        let rows = DashboardReducer.metricRows(s)
        let inner = width - 2
        let nameW = 12, valW = 10, diffW = 9, stateW = 11
        let limitW = wide ? 10 : 0
        // Left border and margin, the fixed columns, two gaps around the trends, the right border.
        let sparkTotal = max(9, width - 2 - nameW - 2 * valW - diffW - limitW - 2 - 1 - stateW - 1)
        let sparkW = (sparkTotal - 1) / 2
        var header =
            CharWidth.pad("metric", to: nameW) + CharWidth.padLeft("baseline", to: valW) + CharWidth.padLeft("canary", to: valW)
            + CharWidth.padLeft("diff", to: diffW)
        if wide { header += CharWidth.padLeft("limit", to: limitW) }
        header += "  " + CharWidth.pad(sparkW >= 12 ? "trend: baseline | canary" : "base | canary", to: sparkTotal) + " " + "state"
        screen.put(CharWidth.truncate(header, to: inner - 1), x: 2, y: y, style: p.inactive)
        y += 1
        if rows.isEmpty {
            screen.put("no metrics yet: the canary has not started", x: 2, y: y, style: p.inactive)
            y += 1
            return
        }
        let results = Dictionary((s.analysis?.results ?? []).map { ($0.metric, $0) }, uniquingKeysWith: { a, _ in a })
        // With an external metrics source the judge's numbers are not the meter's: show what
        // the judge saw, so the limit column compares like with like.
        let judged = s.analysis?.source != nil
        for (i, metric) in rows.enumerated() where y < bottom {
            let b = judged ? results[metric]?.baseline : s.latest?.baseline.value(metric)
            let c = judged ? results[metric]?.candidate : s.latest?.candidate.value(metric)
            let selected = s.focus == .metrics && i == s.selectedMetric
            let rowStyle = selected ? p.selected : p.base
            if selected { screen.fill(x: 1, y: y, width: inner, height: 1, style: rowStyle) }
            var x = screen.put(CharWidth.pad(Self.label(metric), to: nameW), x: 2, y: y, style: rowStyle)
            x = screen.put(
                CharWidth.padLeft(b.map { MetricFormat.value(metric, $0) } ?? "no data", to: valW), x: x, y: y,
                style: b == nil ? p.inactive : (selected ? rowStyle : p.baseline))
            x = screen.put(
                CharWidth.padLeft(c.map { MetricFormat.value(metric, $0) } ?? "no data", to: valW), x: x, y: y,
                style: c == nil ? p.inactive : (selected ? rowStyle : p.canary))
            x = screen.put(CharWidth.padLeft(diff(metric, b, c), to: diffW), x: x, y: y, style: rowStyle)
            if wide {
                let limit = results[metric]?.limit.map { MetricFormat.value(metric, $0) } ?? "-"
                x = screen.put(CharWidth.padLeft(limit, to: limitW), x: x, y: y, style: p.inactive)
            }
            x += 2
            let h = s.history[metric] ?? .init()
            let all = (h.baseline + h.candidate).compactMap { $0 }
            let low = all.min() ?? 0, high = all.max() ?? 1
            x = screen.put(Widgets.sparkline(h.baseline, width: sparkW, low: low, high: high, glyphs: g), x: x, y: y, style: p.baseline)
            x = screen.put(" ", x: x, y: y, style: rowStyle)
            x = screen.put(Widgets.sparkline(h.candidate, width: sparkW, low: low, high: high, glyphs: g), x: x, y: y, style: p.canary)
            x = screen.put(" ", x: x, y: y, style: rowStyle)
            let status = results[metric]?.status ?? (b == nil || c == nil ? .noData : nil)
            let (label, style) = stateLabel(status, results[metric])
            screen.put(CharWidth.pad(label, to: stateW), x: x, y: y, style: style, limit: width - 1 - x)
            y += 1
        }
        if height >= 32, y < bottom, rows.indices.contains(s.selectedMetric) {
            let metric = rows[s.selectedMetric]
            screen.put(CharWidth.truncate(detail(metric, results[metric]), to: inner - 2), x: 2, y: y, style: p.inactive)
            y += 1
        }
    }

    static func label(_ m: CanaryMetric) -> String {
        switch m {
        case .latencyP50: "latency p50"
        case .latencyP95: "latency p95"
        case .errorRate: "error rate"
        case .tokensPerRequest: "tokens/req"
        case .costPerRequest: "cost/req"
        case .quality: "quality"
        case .criticalEvents: "critical"
        }
    }

    func stateLabel(_ status: MetricResult.Status?, _ r: MetricResult?) -> (String, CellStyle) {
        switch status {
        case .ok: return ("\(g.pass) ok", p.status(.ok))
        case .watching: return ("\(g.warn) watch ×\(r?.consecutiveFailures ?? 0)", p.status(.watching))
        case .breach: return ("\(g.fail) BREACH", p.status(.breach))
        case .noData: return ("\(g.absent == " " ? "?" : g.absent) no data", p.status(.noData))
        case .nonInferior: return ("\(g.pass) within", p.status(.ok))
        case .undecided:
            // An evidence gauge: how far toward its boundary, and which way it leans.
            guard let e = r?.evidence else { return ("… undecided", p.inactive) }
            let (full, empty) = Widgets.gauge(percent: e.progress * 100, width: 4, glyphs: g)
            let harm = e.leaning == "harm"
            return ("\(full)\(empty) \(harm ? "harm" : "safe")", harm ? p.status(.watching) : p.inactive)
        case nil: return ("… waiting", p.inactive)
        }
    }

    func diff(_ metric: CanaryMetric, _ b: Double?, _ c: Double?) -> String {
        guard let b, let c else { return "-" }
        switch metric {
        case .errorRate: return String(format: "%+.2fpp", (c - b) * 100)
        case .quality: return String(format: "%+.3f", c - b)
        case .criticalEvents: return String(format: "%+d", Int(saturating: c - b))
        default: return b == 0 ? "-" : String(format: "%+.1f%%", (c / b - 1) * 100)
        }
    }

    func detail(_ metric: CanaryMetric, _ r: MetricResult?) -> String {
        let name = Self.label(metric)
        guard let r else { return "\(name): waiting for the first analysis" }
        if let e = r.evidence {
            let f = { (v: Double) in String(format: "%+.3f", v) }
            let eta = e.eta.map { " · decision in ~\(Widgets.clock($0))" } ?? ""
            let bounds = e.lower.isFinite && e.upper.isFinite ? "[\(f(e.lower)), \(f(e.upper))]" : "[gathering]"
            return
                "\(name): harm \(e.scale) \(f(e.estimate)) \(bounds) vs margin \(f(e.margin)) · evidence \(String(format: "%.1f/%.1f", e.evidence, e.boundary)) toward \(e.leaning) · n \(e.nCandidate)/\(e.nBaseline)\(eta)"
        }
        let n = "n \(s.latest?.candidate.requests ?? 0) canary / \(s.latest?.baseline.requests ?? 0) baseline this step"
        guard let limit = r.limit else { return "\(name): not judged yet (\(n))" }
        let op = metric.higherIsWorse ? "≤" : "≥"
        return "\(name): canary must stay \(op) \(MetricFormat.value(metric, limit)) · \(r.consecutiveFailures) failed analyses in a row · \(n)"
    }

    // MARK: log and footer

    mutating func eventLog(rows: Int) {
        guard rows >= 3 else { return }
        let focused = s.focus == .log
        let visible = rows - 2
        let end = max(0, s.log.count - s.logScroll)
        let start = max(0, end - visible)
        var title = "Events"
        if s.logScroll > 0 { title += "  \(s.logScroll) newer below (G to follow)" }
        Widgets.box(
            &screen, x: 0, y: y, width: width, height: rows, title: title, style: focused ? p.focusedBorder : p.border,
            titleStyle: focused ? p.focusedBorder : p.title, glyphs: g)
        for (i, line) in s.log[start..<end].enumerated() {
            screen.put(CharWidth.truncate(line.text, to: width - 4), x: 2, y: y + 1 + i, style: p.tone(line.tone))
        }
        y += rows
    }

    mutating func footer() {
        let row = height - 1
        if let f = s.flash {
            screen.put(" " + CharWidth.truncate(f.text, to: width - 2), x: 0, y: row, style: p.stale)
            return
        }
        var x = 1
        let hints: [(String, String, DashboardAction)] = [
            ("p", "promote", .promote), ("P", "full", .promoteFully), ("r", "rollback", .rollback),
            ("space", s.paused ? "resume" : "pause", .pauseResume),
            ("tab", "focus", .cycleFocus), ("t", "theme", .cycleTheme), ("?", "help", .help), ("q", "quit", .quit),
        ]
        for (key, label, action) in hints {
            let available = Keymap.bindings.first { $0.action == action }.map { $0.unavailable(s) == nil } ?? true
            let text = "\(key) \(label)"
            guard x + CharWidth.of(text) <= width - 1 else { break }
            x = screen.put(key, x: x, y: row, style: available ? p.hint.with(bold: true) : p.inactive)
            x = screen.put(" \(label)  ", x: x, y: row, style: available ? p.base : p.inactive)
        }
    }
}
