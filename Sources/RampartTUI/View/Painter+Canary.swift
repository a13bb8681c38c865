import RampartCore

/// The canary panel: the weight bar and step, and the metric table with each check's state.
extension Painter {
    func canaryHeight() -> Int {
        let rows = DashboardReducer.metricRows(s).count
        let detail = height >= 36 ? 3 : (height >= 32 ? 1 : 0)
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
        var served = "  cand. reqs \(s.candidateTotal)"
        if let mirrored = s.latest?.baseline.mirrored {
            // The paired quality test's price, beside the blast radius it does not add to.
            served += "  mirrored \(mirrored) this step (" + MetricFormat.value(.costPerRequest, s.latest?.baseline.mirrorCost ?? 0) + ")"
        }
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
            screen.hotspots.append(Hotspot(x: 1, y: y, width: inner, target: .metric(i)))
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
            if height >= 36, y + 1 < bottom { tradeOff(metric, results[metric], width: inner - 2) }
        }
    }

    /// Two rows for the selected metric: the evidence toward each side, and the estimate against
    /// the boundaries on the harm scale.
    mutating func tradeOff(_ metric: CanaryMetric, _ r: MetricResult?, width: Int) {
        defer { y += 2 }
        guard var t = TradeOff(r?.evidence, metric: metric, glyphs: g) else {
            let why =
                r?.evidence == nil && r != nil
                ? "trade-off: the \(s.analysis?.judge ?? "") judge checks limits; the sequential judge weighs evidence toward both boundaries"
                : "trade-off: waiting for the judge's evidence on \(Self.label(metric))"
            screen.put(CharWidth.truncate(why, to: width), x: 2, y: y, style: p.inactive)
            return
        }
        if let a = s.analysis, let e = a.rollbackEvidence, let b = a.rollbackBoundary, a.results.count > 1 {
            t.combined = (e, b, a.results.count)
        }
        let half = width >= 100 ? 12 : 8
        var x = screen.put("evidence  roll back ", x: 2, y: y, style: p.inactive)
        for run in t.tug(half: half) { x = screen.put(run.text, x: x, y: y, style: style(run.ink)) }
        x = screen.put(" promote  ", x: x, y: y, style: p.inactive)
        screen.put(CharWidth.truncate(t.summary, to: max(0, width + 2 - x)), x: x, y: y, style: p.base)
        let label = "harm      "
        let legend = "  " + t.legend
        let axisWidth = max(12, min(2 * half + 20, width - CharWidth.of(label) - CharWidth.of(legend) - 18))
        guard let axis = t.axis(width: axisWidth) else { return }
        x = screen.put(label + t.value(axis.low) + " ", x: 2, y: y + 1, style: p.inactive)
        for run in axis.runs { x = screen.put(run.text, x: x, y: y + 1, style: style(run.ink)) }
        x = screen.put(" " + t.value(axis.high), x: x, y: y + 1, style: p.inactive)
        screen.put(CharWidth.truncate(legend, to: max(0, width + 2 - x)), x: x, y: y + 1, style: p.inactive)
    }

    func style(_ ink: TradeOff.Ink) -> CellStyle {
        switch ink {
        case .axis, .empty: p.inactive
        case .interval: p.canary
        case .estimate: p.canary.with(bold: true)
        case .rollback: p.status(.breach)
        case .promote: p.status(.ok)
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
            let zones = e.tolerance.map { "rolls back past \(f($0)), promotes under \(f(e.margin))" } ?? "vs margin \(f(e.margin))"
            return
                "\(name): harm \(e.scale) \(f(e.estimate)) \(bounds) \(zones) · evidence \(String(format: "%.1f/%.1f", e.evidence, e.boundary)) toward \(e.leaning) · n \(e.nCandidate)/\(e.nBaseline)\(eta)"
        }
        let n = "n \(s.latest?.candidate.requests ?? 0) canary / \(s.latest?.baseline.requests ?? 0) baseline this step"
        guard let limit = r.limit else { return "\(name): not judged yet (\(n))" }
        let op = metric.higherIsWorse ? "≤" : "≥"
        return "\(name): canary must stay \(op) \(MetricFormat.value(metric, limit)) · \(r.consecutiveFailures) failed analyses in a row · \(n)"
    }
}
