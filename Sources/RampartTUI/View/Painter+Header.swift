import RampartCore

/// The top rows: title and clocks, the verdict line, and the replay timeline.
extension Painter {
    /// Badge, pipeline, candidate vs baseline on the left; staleness, operator and the run's clock
    /// on the right. The clock is the engine's, as the event log's times are (at --speed 10 the
    /// wall clock would disagree with every line below it), and says so. The right side always
    /// fits: the left is truncated first.
    mutating func header() {
        var right = "op \(s.operatorName)  engine \(Widgets.clock(s.engineTime))"
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
}
