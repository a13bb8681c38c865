import RampartCore

/// The event log and the key footer.
extension Painter {
    mutating func eventLog(rows: Int) {
        guard rows >= 3 else { return }
        let focused = s.focus == .log
        let visible = rows - 2
        let lines = s.logFilter.map { f in s.log.filter { $0.text.localizedCaseInsensitiveContains(f) } } ?? s.log
        // Scrolled past the oldest page (g asks for the oldest line), the panel still shows a
        // full page: the oldest lines, not one line and blank rows.
        let scroll = min(s.logScroll, max(0, lines.count - visible))
        let end = max(0, lines.count - scroll)
        let start = max(0, end - visible)
        var title = "Events"
        if let f = s.logFilter { title += "  matching '\(f)': \(lines.count) of \(s.log.count) (/ to change)" }
        if scroll > 0 { title += "  \(scroll) newer below (G to follow)" }
        screen.hotspots.append(Hotspot(x: 0, y: y, width: width, height: rows, target: .log))
        Widgets.box(
            &screen, x: 0, y: y, width: width, height: rows, title: title, style: focused ? p.focusedBorder : p.border,
            titleStyle: focused ? p.focusedBorder : p.title, glyphs: g)
        for (i, line) in lines[start..<end].enumerated() {
            screen.put(CharWidth.truncate(line.text, to: width - 4), x: 2, y: y + 1 + i, style: p.tone(line.tone))
        }
        y += rows
    }

    mutating func footer() {
        let row = height - 1
        if let prompt = s.prompt {
            let lead = prompt.kind == .filter ? "/" : ":"
            let hint = prompt.kind == .filter ? "  Enter keep · empty Enter clears · Esc cancel" : "  Enter run · Esc cancel"
            let room = width - 2 - CharWidth.of(lead) - 1
            let text = CharWidth.of(prompt.text) > room ? String(prompt.text.suffix(room)) : prompt.text
            var x = screen.put(" " + lead, x: 0, y: row, style: p.hint.with(bold: true))
            x = screen.put(text, x: x, y: row, style: p.base)
            x = screen.put("_", x: x, y: row, style: p.hint)
            if x + CharWidth.of(hint) < width { screen.put(hint, x: x, y: row, style: p.inactive) }
            return
        }
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
        // Steering keys are left out once they can never apply (the run has ended, or this is a
        // replay), and greyed while they cannot apply yet.
        let over = s.finished != nil || s.replay != nil
        for (key, label, action) in hints where !(over && [.promote, .promoteFully, .rollback, .pauseResume].contains(action)) {
            let available = Keymap.bindings.first { $0.action == action }.map { $0.unavailable(s) == nil } ?? true
            let text = "\(key) \(label)"
            guard x + CharWidth.of(text) <= width - 1 else { break }
            if let typed = Keymap.bindings.first(where: { $0.action == action })?.keys.first {
                screen.hotspots.append(Hotspot(x: x, y: row, width: CharWidth.of(text), target: .key(typed)))
            }
            x = screen.put(key, x: x, y: row, style: available ? p.hint.with(bold: true) : p.inactive)
            x = screen.put(" \(label)  ", x: x, y: row, style: available ? p.base : p.inactive)
        }
    }
}
