/// The dashboard's colours by meaning. Files use btop's grammar (`theme[key]="#RRGGBB"`) with
/// these keys; `themes/README.md` documents each one.
public enum ThemeKey: String, CaseIterable, Sendable {
    case mainBg = "main_bg", mainFg = "main_fg", title, hiFg = "hi_fg", selectedBg = "selected_bg", selectedFg = "selected_fg"
    case inactiveFg = "inactive_fg", divLine = "div_line", boxFg = "box_fg"
    case passFg = "pass_fg", failFg = "fail_fg", runningFg = "running_fg", pendingFg = "pending_fg", skippedFg = "skipped_fg", pausedFg = "paused_fg"
    case baselineFg = "baseline_fg", canaryFg = "canary_fg"
    case okFg = "ok_fg", watchingFg = "watching_fg", breachFg = "breach_fg", noDataFg = "nodata_fg"
    case gaugeFg = "gauge_fg", gaugeBg = "gauge_bg"
    case promoteBg = "promote_bg", holdBg = "hold_bg", rollbackBg = "rollback_bg", verdictFg = "verdict_fg"
    case staleFg = "stale_fg"
}

public struct Theme: Equatable, Sendable {
    public var name: String
    public var colors: [ThemeKey: TermColor]
    /// No colour at all: states are carried by glyphs, words and attributes (`mono`, `NO_COLOR`).
    public var monochrome: Bool

    public init(name: String, colors: [ThemeKey: TermColor], monochrome: Bool = false) {
        self.name = name
        self.colors = colors
        self.monochrome = monochrome
    }

    public subscript(key: ThemeKey) -> TermColor {
        monochrome ? .terminalDefault : (colors[key] ?? Theme.builtinDefault.colors[key] ?? .terminalDefault)
    }

    /// Every colour stripped, as `NO_COLOR` demands (no greys either).
    public var withoutColor: Theme { Theme(name: name, colors: [:], monochrome: true) }

    public static let builtinDefault: Theme = {
        // The literals below are valid colours (the theme tests parse each); an unreadable one
        // would fall back to the terminal's default rather than stop the dashboard.
        func hex(_ s: String) -> TermColor { (ThemeLoader.parseColor(s) ?? nil) ?? .terminalDefault }
        let values: [ThemeKey: String] = [
            .mainBg: "", .mainFg: "#d0d0d0", .title: "#eeeeee", .hiFg: "#5fafff", .selectedBg: "#303a4a", .selectedFg: "#eeeeee",
            .inactiveFg: "#6c6c6c", .divLine: "#444444", .boxFg: "#5f7f9f",
            .passFg: "#4fbf6f", .failFg: "#e05252", .runningFg: "#5fafff", .pendingFg: "#8a8a8a", .skippedFg: "#6c6c6c", .pausedFg: "#af87ff",
            .baselineFg: "#8a8a8a", .canaryFg: "#5fafff",
            .okFg: "#4fbf6f", .watchingFg: "#d7af5f", .breachFg: "#e05252", .noDataFg: "#6c6c6c",
            .gaugeFg: "#5fafff", .gaugeBg: "#303030",
            .promoteBg: "#2f6a3f", .holdBg: "#7a6420", .rollbackBg: "#a53a3a", .verdictFg: "#ffffff",
            .staleFg: "#d7af5f",
        ]
        var colors: [ThemeKey: TermColor] = [:]
        for (k, v) in values { colors[k] = hex(v) }
        return Theme(name: "default", colors: colors)
    }()
}
