import Foundation

/// "What went out, who approved, when": the audit record of one run, as text, from its
/// recording alone.
public enum AuditRecord {
    /// Wall-clock time of an engine offset, from the header's start time.
    /// The header is input from outside: parsed and printed without ICU (see `TimestampText`).
    static func when(_ header: RunHeader, _ t: Double) -> String {
        guard t.isFinite, let start = TimestampText.parseISO8601(header.startedAt),
            let text = TimestampText.formatISO8601(start.addingTimeInterval(t))
        else {
            return "+" + EventLine.clock(t)
        }
        return text
    }

    public static func lines(_ r: RunFileCodec.Recording, file: String) -> [String] {
        let h = r.header
        var out: [String] = []
        func variant(_ v: VariantRecord) -> String {
            var s = "\(v.provider) \(v.model)@\(v.version)"
            if let p = v.promptTemplateSHA256 { s += ", prompt sha256 \(p.prefix(12))" }
            if let g = v.guardrailsSHA256 { s += ", guardrails sha256 \(g.prefix(12))" }
            return s
        }
        out.append("run        \(file)")
        out.append("pipeline   \(h.pipeline) (spec \(h.specFile), sha256 \(h.specSHA256.prefix(16)))")
        out.append("candidate  \(variant(h.candidate))")
        out.append("baseline   \(variant(h.baseline))")
        out.append("git        " + (h.git.map { "\($0.commit)\($0.dirty ? " (uncommitted changes)" : "")" } ?? "not a git work tree"))
        out.append("started    \(h.startedAt) by \(h.operator) on \(h.host), seed \(h.seed), rampart \(h.rampartVersion)")
        let run = RunState(events: r.events)
        let gates = run.gateOrder.compactMap { run.gates[$0] }.map { "  " + EventLine.text(.gate($0)).dropFirst(9) }
        var weights: [String] = []
        var actions: [String] = []
        var faults: [String] = []
        for e in r.events {
            switch e.body {
            case .weight(let w):
                weights.append("  \(when(h, e.t))  \(MetricFormat.percent(w.from)) → \(MetricFormat.percent(w.to))  \(w.reason)")
            case .operatorAction(let a):
                let why = a.command.reason.map { " because \"\($0)\"" } ?? ""
                actions.append(
                    "  \(when(h, e.t))  \(a.command.operator) asked to \(a.command.kind.rawValue)\(why): \(a.accepted ? "accepted" : "REFUSED"), \(a.note)"
                )
            case .router(let x) where !x.ok:
                faults.append("  \(when(h, e.t))  router \(x.router) failed at \(MetricFormat.percent(x.weight)): \(x.error ?? "")")
            case .metricSource(let m) where !m.ok:
                faults.append("  \(when(h, e.t))  \(m.source) queries failed: \(m.error ?? "")")
            case .published(let p) where !p.ok:
                faults.append("  \(when(h, e.t))  metrics to \(p.sink) not published: \(p.error ?? "")")
            case .notification(let n) where !n.delivered:
                faults.append("  \(when(h, e.t))  notification \(n.channel) (\(n.trigger.rawValue)) failed: \(n.error ?? "")")
            default: break
            }
        }
        out.append("gates" + (gates.isEmpty ? "      none ran" : ""))
        out += gates
        if let b = r.promotionRollback {
            let from = b.from.map { MetricFormat.percent($0) } ?? "the promotion"
            weights.append("  \(when(h, b.t))  \(from) → 0%  promotion rolled back at the \(b.router) router (\(b.detail))")
            let why = b.reason.map { " because \"\($0)\"" } ?? ""
            actions.append("  \(when(h, b.t))  \(b.operator) rolled the promotion back after the run\(why)")
        }
        out.append("traffic" + (weights.isEmpty ? "    never left the baseline" : ""))
        out += weights
        out.append("operators" + (actions.isEmpty ? "  no operator action" : ""))
        out += actions
        if !faults.isEmpty {
            out.append("faults")
            out += faults
        }
        if let o = r.outcome {
            out.append("outcome    \(o.outcome.rawValue.uppercased()) (exit \(o.exitCode)) at \(o.finishedAt): \(o.reason)")
            if let b = r.promotionRollback {
                out.append("then       ROLLED BACK (exit \(RunOutcome.rolledBack.exitCode)): \(b.summary)")
            }
        } else {
            out.append("outcome    none: \(r.unfinished ?? "the run did not finish")")
        }
        return out.map(TerminalText.sanitize)
    }
}
