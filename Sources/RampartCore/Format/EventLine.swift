import Foundation

/// One readable line per event for headless runs and logs: time offset, a short tag, the gist.
/// Lines stay grep-able: stable tags, no colour, no wrapping.
public enum EventLine {
    public static func format(_ event: RunEvent) -> String {
        "\(clock(event.t))  \(text(event.body))"
    }

    /// `MM:SS.s`, for any time a run file may hold: a negative, infinite or absurd one is clamped
    /// (to 0 or 99,999,999 minutes) rather than trapping in the conversion to Int.
    public static func clock(_ t: Double) -> String {
        let total = t.isFinite ? min(max(0, t), 5_999_999_999) : (t > 0 ? 5_999_999_999 : 0)
        let minutes = Int(total) / 60
        let seconds = total - Double(minutes * 60)
        // "%02d:%04.1f" without a format parser: the seconds are below 60, so "%04.1f" pads
        // at most one zero.
        let s = CFormat.fixed(seconds, places: 1)
        return (minutes < 10 ? "0\(minutes):" : "\(minutes):") + (s.utf8.count < 4 ? "0" + s : s)
    }

    /// Tags are ASCII words shorter than the column.
    static func pad(_ tag: String) -> String { tag.utf8.count >= 9 ? String(tag.prefix(9)) : tag + String(repeating: " ", count: 9 - tag.utf8.count) }

    /// The event's gist, with anything that came from outside made safe for a terminal.
    public static func text(_ body: RunEvent.Body) -> String {
        TerminalText.sanitize(rawText(body))
    }

    static func rawText(_ body: RunEvent.Body) -> String {
        switch body {
        case .runStarted(let s):
            return pad("run") + "\(s.pipeline): candidate \(s.candidate) vs baseline \(s.baseline) (seed \(s.seed), operator \(s.operator))"
                + (s.controlSocket.map { "; control socket \($0)" } ?? "")
        case .stage(let s):
            let reason = s.reason.map { ": \($0)" } ?? ""
            return pad("stage") + "\(s.stage) \(s.state.rawValue)\(reason)"
        case .buildStep(let b):
            let status = b.timedOut ? "timed out" : (b.exitCode == 0 ? "ok" : "failed (exit \(b.exitCode))")
            var line = pad("build") + "\(b.name) \(status) in \(CFormat.fixed(b.duration, places: 2))s"
            if !b.succeeded, let last = b.output.last { line += " — \(last)" }
            return line
        case .gate(let g):
            return gate(g)
        case .canaryStep(let s):
            let need = s.step.minRequests > 0 ? ", at least \(s.step.minRequests) candidate requests" : ""
            return pad("canary")
                + "step \(s.index + 1)/\(s.count): weight \(MetricFormat.percent(s.step.weight)) for \(DurationText.format(s.step.bake))\(need)"
        case .weight(let w):
            return pad("weight") + "\(MetricFormat.percent(w.from)) → \(MetricFormat.percent(w.to)): \(w.reason)"
        case .metrics(let m):
            return metrics(m)
        case .analysis(let a):
            let from = a.source.map { " [\($0)]" } ?? ""
            return pad("analysis") + "step \(a.step + 1): \(a.decision == .rollback ? "ROLLBACK" : "continue") — \(a.reason)\(from)"
        case .operatorAction(let o):
            let reason = o.command.reason.map { " (\"\($0)\")" } ?? ""
            return pad("operator") + "\(o.command.operator) \(o.command.kind.rawValue)\(reason): \(o.accepted ? "" : "refused: ")\(o.note)"
        case .notification(let n):
            let status = n.delivered ? "sent" : "FAILED: \(n.error ?? "unknown error")"
            return pad("notify") + "\(n.channel) (\(n.trigger.rawValue)) \(status)"
        case .published(let p):
            let covered = "\(clock(p.from))–\(clock(p.to)): \(p.baselineRequests) baseline and \(p.candidateRequests) candidate requests"
            return pad("publish") + (p.ok ? "\(covered) to \(p.sink)" : "FAILED \(covered) to \(p.sink): \(p.error ?? "unknown error")")
        case .router(let r):
            let detail = r.detail.map { " (\($0))" } ?? ""
            if r.ok { return pad("router") + "\(r.router) set \(MetricFormat.percent(r.weight))\(detail)" }
            return pad("router") + "FAILED \(r.router) setting \(MetricFormat.percent(r.weight))\(detail): \(r.error ?? "unknown error")"
        case .metricSource(let m):
            return pad("metrics") + (m.ok ? "\(m.source) answering again" : "QUERY FAILED \(m.source): \(m.error ?? "unknown error")")
        case .dataPlane(let d):
            return dataPlane(d)
        case .observations(let o):
            return pad("requests") + "\(o.count) at \(MetricFormat.percent(o.weight)) (\(o.variants.filter { $0 == "c" }.count) to the candidate)"
        case .finished(let f):
            return pad("finished") + "\(f.outcome.rawValue.uppercased()): \(f.reason)"
        }
    }

    /// A gate's verdict with every check's value, limit and interval.
    static func gate(_ g: GateResult) -> String {
        let checks = g.checks.map { c in
            let mark = c.verdict == .pass ? "pass" : c.verdict.rawValue.uppercased()
            var text =
                "\(c.threshold) \(fmt(c.candidate)) \(c.comparison.rawValue) \(fmt(c.limit)) [95% CI \(fmt(c.interval.low))–\(fmt(c.interval.high))"
            text += (c.baseline.map { "; baseline \(fmt($0))" } ?? "") + "]"
            if let t = c.test { text += " \(t.method) p=\(CFormat.string("%.3g", t.pValue))" }
            return text + " \(mark)"
        }.joined(separator: "; ")
        if g.verdict == .error, let e = g.errors {
            return pad("gate") + "\(g.name) ERROR: \(e.summary)"
        }
        let errors =
            g.errors.map { " (\($0.items) of \($0.of) items errored and were left out; first: \($0.variant.rawValue) \($0.first.description))" }
            ?? ""
        let verdict = g.verdict == .pass ? "passed" : (g.verdict == .fail ? "FAILED" : (g.passed ? "INCONCLUSIVE (allowed)" : "INCONCLUSIVE"))
        let answered = g.errors.map { $0.of - $0.items } ?? g.items
        let retried = g.retries.map { " (\($0) retr\($0 == 1 ? "y" : "ies"))" } ?? ""
        return pad("gate") + "\(g.name) \(verdict) on \(answered) items × \(g.samples)\(errors)\(retried): \(checks)"
    }

    /// A step's live metrics, candidate/baseline side by side.
    static func metrics(_ m: MetricsSnapshot) -> String {
        let c = m.candidate, b = m.baseline
        func pair(_ label: String, _ metric: CanaryMetric, _ f: (Double) -> String, unit: String) -> String {
            let cv = c.value(metric).map(f) ?? "-", bv = b.value(metric).map(f) ?? "-"
            return "\(label) \(cv)/\(bv)\(unit)"
        }
        let parts = [
            "n \(c.requests)/\(b.requests)",
            pair("p95", .latencyP95, { CFormat.fixed($0, places: 0) }, unit: "ms"),
            pair("errors", .errorRate, { CFormat.fixed($0 * 100, places: 2) }, unit: "%"),
            pair("quality", .quality, { CFormat.fixed($0, places: 3) }, unit: ""),
        ]
        return pad("metrics") + "step \(m.step + 1) @\(MetricFormat.percent(m.weight)) canary/baseline: " + parts.joined(separator: ", ")
    }

    /// Where the canary's traffic flows: proxy or router, meters, the two versions, the source.
    static func dataPlane(_ d: DataPlaneStarted) -> String {
        let rate = d.rate.map { ", \(CFormat.string("%g", $0)) req/s synthetic load" } ?? ""
        var proxy = d.proxy.map { "proxy http://\($0) → " } ?? "in-process: "
        if let router = d.router {
            proxy = (d.target.map { "\($0) → " } ?? "") + "\(router) → " + (d.meter.map { "meter (\($0)) → " } ?? "")
        }
        let note = d.note.map { " (\($0))" } ?? ""
        return pad("traffic") + "\(proxy)baseline \(d.baseline), candidate \(d.candidate) [\(d.source)\(rate)]\(note)"
    }

    static func fmt(_ v: Double) -> String { CFormat.fixed(v, places: 3) }
}
