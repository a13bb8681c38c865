import RampartCore

/// The pipeline strip and one line per gate with its checks.
extension Painter {
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
}
