/// Clicks and the wheel. A click does what the key it stands for does (same checks, same
/// dialogs), so the mouse is a second way in, never a way around a confirmation.
extension DashboardReducer {
    static func click(_ target: ClickTarget, _ s: inout DashboardState) -> [DashboardEffect] {
        switch target {
        case .key(let key):
            return press(key, &s)
        case .metric(let i):
            guard s.overlay == nil, s.prompt == nil else { return [] }
            s.focus = .metrics
            s.selectedMetric = i
        case .dialog(let confirm):
            guard case .confirm(var c) = s.overlay else { return [] }
            c.confirmFocused = confirm || c.ended != nil
            s.overlay = .confirm(c)
            return press(.enter, &s)
        case .log:
            guard s.overlay == nil, s.prompt == nil else { return [] }
            s.focus = .log
        }
        return []
    }

    /// Lines the wheel moves the log per notch, as terminals scroll a shell.
    static let wheelLines = 3

    /// The wheel scrolls what is under the pointer (the log, or the metric selection), else
    /// what has focus.
    static func wheel(_ target: ClickTarget?, up: Bool, _ s: inout DashboardState) -> [DashboardEffect] {
        guard s.overlay == nil, s.prompt == nil else { return [] }
        let onLog: Bool
        switch target {
        case .log: onLog = true
        case .metric: onLog = false
        default: onLog = s.focus == .log
        }
        if onLog {
            let lines = up ? wheelLines : -wheelLines
            s.logScroll = min(max(0, s.logScroll + lines), maxLogScroll(s))
        } else {
            let last = max(0, metricRows(s).count - 1)
            s.selectedMetric = min(last, max(0, s.selectedMetric + (up ? -1 : 1)))
        }
        return []
    }
}
