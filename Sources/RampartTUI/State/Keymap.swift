import RampartCore

/// What a key does. The help overlay is generated from `Keymap.bindings`, so it can never
/// disagree with the keys, and bindings that do not apply right now are shown greyed with why.
public enum DashboardAction: Equatable, Sendable {
    case promote, promoteFully, rollback, pauseResume, help, cycleFocus, scrollUp, scrollDown, pageUp, pageDown, top, bottom, cycleTheme, quit
    case filterLog, commandLine
    /// Handled before the bindings in a replay; listed here so help shows them.
    case replaySpeed, replayJump, replaySeek
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var action: DashboardAction
    public var help: String
    /// Why the binding does not apply now, or nil when it does.
    public var unavailable: @Sendable (DashboardState) -> String?
}

public enum Keymap {
    static let notLive: @Sendable (DashboardState) -> String? = { s in
        if s.replay != nil { return "this is a replay of a recording" }
        if s.finished != nil { return "the run has ended" }
        return s.canaryLive ? nil : "no live canary yet"
    }
    /// `r` rolls back the live canary, or, once the run promoted, the promotion where it can.
    static let rollbackUnavailable: @Sendable (DashboardState) -> String? = { s in
        if s.replay == nil, s.finished?.outcome == .promoted {
            if case .unavailable(let why) = s.promotionUndo { return "the run has ended; \(why)" }
            return s.promotionUndo.unavailableReason
        }
        return notLive(s)
    }
    static let always: @Sendable (DashboardState) -> String? = { _ in nil }
    static let replayOnly: @Sendable (DashboardState) -> String? = { s in s.replay == nil ? "only in a replay" : nil }

    public static let bindings: [KeyBinding] = [
        KeyBinding(keys: [.char("p")], action: .promote, help: "promote to the next step", unavailable: notLive),
        KeyBinding(keys: [.char("P")], action: .promoteFully, help: "promote fully (100%), asks first", unavailable: notLive),
        KeyBinding(keys: [.char("r")], action: .rollback, help: "roll back to the baseline, asks first", unavailable: rollbackUnavailable),
        KeyBinding(keys: [.char(" ")], action: .pauseResume, help: "pause or resume the ramp", unavailable: notLive),
        KeyBinding(keys: [.char("?")], action: .help, help: "this help", unavailable: always),
        KeyBinding(keys: [.char("/")], action: .filterLog, help: "filter the event log (Enter keeps it, empty clears)", unavailable: always),
        KeyBinding(
            keys: [.char(":")], action: .commandLine, help: ":rollback REASON, :promote, :promote-fully, :pause, :resume, :q",
            unavailable: always),
        KeyBinding(keys: [.tab], action: .cycleFocus, help: "move focus: metrics ↔ event log", unavailable: always),
        KeyBinding(keys: [.char("k"), .up], action: .scrollUp, help: "up: select metric / scroll log", unavailable: always),
        KeyBinding(keys: [.char("j"), .down], action: .scrollDown, help: "down: select metric / scroll log", unavailable: always),
        KeyBinding(keys: [.pageUp], action: .pageUp, help: "scroll the log a page up", unavailable: always),
        KeyBinding(keys: [.pageDown], action: .pageDown, help: "scroll the log a page down", unavailable: always),
        KeyBinding(keys: [.char("g"), .home], action: .top, help: "oldest log line", unavailable: always),
        KeyBinding(keys: [.char("G"), .end], action: .bottom, help: "follow the newest log line", unavailable: always),
        KeyBinding(
            keys: [.char("t")], action: .cycleTheme, help: "next theme", unavailable: { s in s.themeNames.count > 1 ? nil : "one theme loaded" }),
        KeyBinding(keys: [.char("q")], action: .quit, help: "quit (asks first while the canary is live)", unavailable: always),
        KeyBinding(
            keys: [.char("+"), .char("-")], action: .replaySpeed, help: "replay: faster / slower (1×, 2×, 10×, max); space pauses",
            unavailable: replayOnly),
        KeyBinding(keys: [.char("n"), .char("N")], action: .replayJump, help: "replay: next / previous decision", unavailable: replayOnly),
        KeyBinding(keys: [.left, .right], action: .replaySeek, help: "replay: seek 10 s back / forward", unavailable: replayOnly),
    ]

    public static func binding(for key: Key) -> KeyBinding? {
        bindings.first { $0.keys.contains(key) }
    }
}
