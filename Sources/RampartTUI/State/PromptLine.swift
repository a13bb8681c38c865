import Foundation
import RampartCore

/// The line typed at the bottom after `/` or `:`, as k9s users expect. While it is open every
/// key is text for it (nothing reaches the keymap); Enter applies it, Esc drops it.
extension DashboardReducer {
    /// What `:` takes, in full, for the answer to a command it does not know (the help line is
    /// a shorter list that fits beside its key).
    static let commandSummary = ":rollback REASON, :promote, :promote-fully REASON, :pause, :resume, :filter TEXT, :help, :q"

    static func pressInPrompt(_ key: Key, _ s: inout DashboardState) -> [DashboardEffect] {
        guard var prompt = s.prompt else { return [] }
        switch key {
        case .escape:
            s.prompt = nil
        case .backspace:
            if prompt.text.isEmpty {
                s.prompt = nil
            } else {
                prompt.text.removeLast()
                s.prompt = prompt
            }
        case .enter:
            s.prompt = nil
            let text = prompt.text.trimmingCharacters(in: .whitespaces)
            switch prompt.kind {
            case .filter:
                s.logFilter = text.isEmpty ? nil : text
                s.logScroll = 0
            case .command:
                return command(text, &s)
            }
        case .char(let ch) where !ch.isNewline && prompt.text.count < 200:
            prompt.text.append(ch)
            s.prompt = prompt
        default:
            break
        }
        return []
    }

    /// `:rollback REASON`, `:promote`, `:promote-fully REASON`, `:pause`, `:resume`, `:q`,
    /// `:help`. Typed in full, a command is deliberate: it acts without the dialog a single key
    /// opens, where the run still allows it.
    static func command(_ text: String, _ s: inout DashboardState) -> [DashboardEffect] {
        let words = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard let name = words.first?.lowercased() else { return [] }
        let reason = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : nil
        let steering: [String: (OperatorCommand.Kind, DashboardAction)] = [
            "rollback": (.rollback, .rollback), "promote": (.promote, .promote), "promote-fully": (.promoteFully, .promoteFully),
            "pause": (.pause, .pauseResume), "resume": (.resume, .pauseResume),
        ]
        if let (kind, action) = steering[name] {
            if let why = Keymap.bindings.first(where: { $0.action == action })?.unavailable(s) {
                flash(":\(name): not available, \(why)", &s)
                return []
            }
            if kind == .rollback && s.finished?.outcome == .promoted {
                return rollBackPromotion(reason: reason?.isEmpty == false ? reason : nil, &s)
            }
            if kind == .pause && s.paused || kind == .resume && !s.paused {
                flash(":\(name): the canary is \(s.paused ? "already paused" : "not paused")", &s)
                return []
            }
            s.pending = "\(name) requested by \(s.operatorName)"
            return [.send(OperatorCommand(kind, operator: s.operatorName, reason: reason?.isEmpty == false ? reason : nil))]
        }
        switch name {
        case "q", "quit":
            return pressBound(.char("q"), &s)
        case "help":
            s.overlay = .help
        case "filter":
            s.logFilter = reason?.isEmpty == false ? reason : nil
        default:
            flash("unknown command ':\(name)'; try \(commandSummary)", &s)
        }
        return []
    }
}
