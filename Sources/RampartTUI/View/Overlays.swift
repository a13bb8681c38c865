import RampartCore

/// The help overlay (generated from the keymap) and the confirmation dialog.
enum Overlays {
    static func centeredBox(_ screen: inout Screen, width w: Int, height h: Int, title: String, _ p: Palette, _ g: Glyphs, style: CellStyle? = nil)
        -> (x: Int, y: Int)
    {
        let x = max(0, (screen.width - w) / 2), y = max(0, (screen.height - h) / 2)
        screen.fill(x: x, y: y, width: w, height: h, style: p.base)
        Widgets.box(&screen, x: x, y: y, width: w, height: h, title: title, style: style ?? p.focusedBorder, titleStyle: style ?? p.title, glyphs: g)
        return (x, y)
    }

    static func help(_ screen: inout Screen, _ s: DashboardState, _ p: Palette, _ g: Glyphs) {
        let rows = Keymap.bindings
        let w = min(screen.width - 4, 96), h = min(screen.height - 2, rows.count + 3)
        let (x0, y0) = centeredBox(&screen, width: w, height: h, title: "Keys", p, g)
        var y = y0 + 1
        for b in rows where y < y0 + h - 2 {
            let keys = b.keys.map(\.label).joined(separator: " ")
            let why = b.unavailable(s)
            let style = why == nil ? p.base : p.inactive
            var x = screen.put(CharWidth.pad(keys, to: 10), x: x0 + 2, y: y, style: why == nil ? p.hint.with(bold: true) : p.inactive)
            x = screen.put(wordFit(b.help, x0 + w - 2 - x), x: x, y: y, style: style)
            // Why a key is greyed, whole or shortened, never cut mid-word.
            if let why {
                let room = x0 + w - 2 - x
                let text = ["  (not now: \(why))", "  (not now)"].first { CharWidth.of($0) <= room } ?? ""
                screen.put(text, x: x, y: y, style: p.inactive)
            }
            y += 1
        }
        screen.put("Greyed keys do not apply right now. Any key closes this help.", x: x0 + 2, y: y0 + h - 2, style: p.inactive, limit: w - 4)
    }

    static func confirm(_ screen: inout Screen, _ s: DashboardState, _ c: DashboardState.Confirmation, _ p: Palette, _ g: Glyphs) {
        if let ended = c.ended { return endedUnder(&screen, s, c, ended, p, g) }
        let (title, action, paragraph): (String, String, [String]) =
            switch c.action {
            case .rollback:
                (
                    "Roll back?", "Roll back",
                    [
                        "All traffic goes back to the baseline, \(s.baseline).",
                        "Blast radius so far: the candidate serves \(MetricFormat.percent(s.weight)) of traffic",
                        "and has served \(s.candidateTotal) requests.",
                    ]
                )
            case .promoteFully:
                (
                    "Promote fully?", "Promote to 100%",
                    [
                        "All traffic goes to the candidate, \(s.candidate), skipping the",
                        "remaining steps. It serves \(MetricFormat.percent(s.weight)) now (\(s.candidateTotal) requests so far).",
                        "Later degradation will no longer be caught by this canary.",
                    ]
                )
            case .rollbackPromotion:
                (
                    "Roll back the promotion?", "Roll back",
                    [
                        "The run promoted: the candidate, \(s.candidate), takes all traffic.",
                        "\(Self.routerPhrase(s)) sends it all back to the baseline, \(s.baseline),",
                        "and the run file records who did it and why.",
                    ]
                )
            case .quitAbort:
                (
                    "Quit while the canary is live?", "Abort and quit",
                    [
                        "Quitting aborts the run: traffic goes back to the baseline",
                        "(the candidate serves \(MetricFormat.percent(s.weight)) now, \(s.candidateTotal) requests so far),",
                        "and the outcome is recorded as aborted.",
                    ]
                )
            }
        let w = min(screen.width - 4, 72)
        // The text is wrapped at word boundaries to the box, whatever the names and numbers in it.
        let lines = wrap(paragraph.joined(separator: " "), width: w - 4)
        let moved = c.moved.map { wrap("\(g.warn) \($0)", width: w - 4) } ?? []
        let h = 8 + lines.count + moved.count
        let danger = p.verdict(c.action == .promoteFully ? .promote : .rollback)
        let (x0, y0) = centeredBox(
            &screen, width: w, height: h, title: title, p, g, style: p.mono ? p.base.with(bold: true) : p.fg(.failFg, bold: true))
        var y = y0 + 1
        for line in moved {
            screen.put(line, x: x0 + 2, y: y, style: p.status(.watching).with(bold: true))
            y += 1
        }
        for line in lines {
            screen.put(line, x: x0 + 2, y: y, style: p.base, limit: w - 4)
            y += 1
        }
        screen.put("Operator: \(s.operatorName) (recorded with the reason)", x: x0 + 2, y: y, style: p.inactive, limit: w - 4)
        y += 1
        let label = "Reason (optional): "
        var x = screen.put(label, x: x0 + 2, y: y, style: p.base)
        let room = w - 4 - CharWidth.of(label) - 1
        let shown = CharWidth.of(c.reason) > room ? String(c.reason.suffix(room)) : c.reason
        x = screen.put(shown, x: x, y: y, style: p.base.with(underline: true))
        screen.put("_", x: x, y: y, style: p.hint)
        y += 2
        let cancel = "[ Cancel ]", go = "[ \(action) ]"
        let bx = x0 + (w - CharWidth.of(cancel) - CharWidth.of(go) - 6) / 2
        let cancelStyle = c.confirmFocused ? p.base : p.selected.with(bold: true)
        let goStyle = c.confirmFocused ? danger.with(reverse: p.mono ? true : danger.reverse) : p.base
        let after = screen.put(cancel, x: bx, y: y, style: cancelStyle)
        screen.put(go, x: after + 6, y: y, style: goStyle)
        screen.hotspots.append(Hotspot(x: bx, y: y, width: CharWidth.of(cancel), target: .dialog(confirm: false)))
        screen.hotspots.append(Hotspot(x: after + 6, y: y, width: CharWidth.of(go), target: .dialog(confirm: true)))
        y += 2
        screen.put("type a reason · tab switch · Enter choose · Esc cancel", x: x0 + 2, y: y, style: p.inactive, limit: w - 4)
    }

    /// The run ended while the dialog was open: say how, that nothing can be sent to it now,
    /// and what still makes sense; keep what was typed (Enter writes it to the log).
    static func endedUnder(
        _ screen: inout Screen, _ s: DashboardState, _ c: DashboardState.Confirmation, _ ended: RunFinished, _ p: Palette, _ g: Glyphs
    ) {
        let outcome = ended.outcome.rawValue.uppercased().replacingOccurrences(of: "_", with: " ")
        let w = min(screen.width - 4, 72)
        var lines = ["The run ended \(outcome) while this was open:"]
        lines += wrap(ended.reason, width: w - 6).prefix(3).map { "  " + $0 }
        let then: String
        switch (c.action, ended.outcome) {
        case (.rollback, .promoted), (.rollbackPromotion, .promoted):
            let why = s.promotionUndo.unavailableReason.map { " This dashboard cannot take the promotion back: \($0)." } ?? ""
            then =
                "A rollback can no longer go through this run: the candidate now takes all traffic.\(why) Roll back at your router, or run the pipeline again with the baseline as the candidate."
        case (.rollback, _), (.rollbackPromotion, _): then = "Traffic is already back on the baseline: nothing to roll back."
        case (.promoteFully, _): then = "Nothing to promote any more: the run is over."
        case (.quitAbort, _): then = "Quitting now aborts nothing: the run is over."
        }
        let button = c.action == .quitAbort ? "[ Quit ]" : "[ Close: log the reason ]"
        lines += wrap(then, width: w - 4)
        let h = lines.count + 8
        let (x0, y0) = centeredBox(&screen, width: w, height: h, title: "The run ended", p, g, style: p.base.with(bold: true))
        var y = y0 + 1
        for line in lines {
            screen.put(line, x: x0 + 2, y: y, style: p.base, limit: w - 4)
            y += 1
        }
        y += 1
        let label = "Reason (kept): "
        let x = screen.put(label, x: x0 + 2, y: y, style: p.base)
        let room = w - 4 - CharWidth.of(label) - 1
        screen.put(CharWidth.of(c.reason) > room ? String(c.reason.suffix(room)) : c.reason, x: x, y: y, style: p.base.with(underline: true))
        y += 2
        screen.put(button, x: x0 + (w - CharWidth.of(button)) / 2, y: y, style: p.selected.with(bold: true))
        screen.hotspots.append(Hotspot(x: x0 + (w - CharWidth.of(button)) / 2, y: y, width: CharWidth.of(button), target: .dialog(confirm: true)))
        y += 2
        screen.put(
            "Enter \(c.action == .quitAbort ? "quit" : "close and log the reason") · Esc close", x: x0 + 2, y: y, style: p.inactive, limit: w - 4)
    }

    /// "The file router (flags.json)", or a generic subject when the router is not known here.
    static func routerPhrase(_ s: DashboardState) -> String {
        if case .available(let router) = s.promotionUndo { return "The " + router }
        return "The run's router"
    }

    /// `text` if it fits in `width` columns, else as many whole words as fit and an ellipsis.
    static func wordFit(_ text: String, _ width: Int) -> String {
        guard CharWidth.of(text) > width else { return text }
        guard width > 1 else { return "" }
        var kept = ""
        for word in text.split(separator: " ") {
            let next = kept.isEmpty ? String(word) : kept + " " + word
            if CharWidth.of(next) + 1 > width { break }
            kept = next
        }
        return kept.isEmpty ? CharWidth.truncate(text, to: width) : kept + "…"
    }

    /// Words into lines of at most `width` columns (a word longer than that is cut).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            let next = line.isEmpty ? String(word) : line + " " + word
            if CharWidth.of(next) <= width {
                line = next
            } else {
                if !line.isEmpty { lines.append(line) }
                line = CharWidth.truncate(String(word), to: width)
            }
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
