import RampartCore

/// Styles by meaning, from a theme. On a monochrome theme the same meanings are carried by
/// attributes (bold, underline, reverse), never by colour, so `mono` and `NO_COLOR` stay readable.
struct Palette {
    let theme: Theme

    var mono: Bool { theme.monochrome }
    var base: CellStyle { CellStyle(fg: theme[.mainFg], bg: theme[.mainBg]) }

    func fg(_ key: ThemeKey, bold: Bool = false) -> CellStyle { base.with(fg: theme[key], bold: bold) }

    var title: CellStyle { fg(.title, bold: true) }
    var hint: CellStyle { mono ? base.with(bold: true) : fg(.hiFg) }
    var inactive: CellStyle { fg(.inactiveFg) }
    var divider: CellStyle { fg(.divLine) }
    var border: CellStyle { fg(.boxFg) }
    var focusedBorder: CellStyle { mono ? base.with(bold: true) : fg(.hiFg, bold: true) }
    var selected: CellStyle { mono ? base.with(reverse: true) : base.with(fg: theme[.selectedFg], bg: theme[.selectedBg]) }
    var baseline: CellStyle { fg(.baselineFg) }
    var canary: CellStyle { mono ? base.with(bold: true) : fg(.canaryFg) }
    var stale: CellStyle { mono ? base.with(bold: true, underline: true) : fg(.staleFg, bold: true) }

    func stage(_ state: StageState) -> CellStyle {
        switch state {
        case .passed: mono ? base.with(bold: true) : fg(.passFg)
        case .failed: mono ? base.with(bold: true, reverse: true) : fg(.failFg, bold: true)
        case .running: mono ? base.with(bold: true) : fg(.runningFg, bold: true)
        case .paused: mono ? base.with(underline: true) : fg(.pausedFg, bold: true)
        case .pending: mono ? base : fg(.pendingFg)
        case .skipped: mono ? base : fg(.skippedFg)
        }
    }

    func status(_ s: MetricResult.Status) -> CellStyle {
        switch s {
        case .ok: mono ? base : fg(.okFg)
        case .watching: mono ? base.with(underline: true) : fg(.watchingFg, bold: true)
        case .breach: mono ? base.with(bold: true, reverse: true) : fg(.breachFg, bold: true)
        case .noData: mono ? base : fg(.noDataFg)
        case .nonInferior: mono ? base : fg(.okFg)
        case .undecided: mono ? base : fg(.pendingFg)
        }
    }

    enum Verdict { case promote, hold, rollback, neutral }

    func verdict(_ v: Verdict) -> CellStyle {
        if mono { return base.with(bold: true, reverse: v != .neutral) }
        let bg: ThemeKey =
            switch v {
            case .promote: .promoteBg
            case .hold: .holdBg
            case .rollback: .rollbackBg
            case .neutral: .selectedBg
            }
        return CellStyle(fg: theme[.verdictFg], bg: theme[bg], bold: true)
    }

    func gauge() -> (full: CellStyle, empty: CellStyle) {
        mono ? (base.with(bold: true), base) : (fg(.gaugeFg), fg(.gaugeBg))
    }

    func tone(_ t: DashboardState.LogLine.Tone) -> CellStyle {
        switch t {
        case .normal: base
        case .good: mono ? base : fg(.passFg)
        case .bad: mono ? base.with(bold: true) : fg(.failFg)
        case .warn: mono ? base.with(underline: true) : fg(.watchingFg)
        case .operatorAction: mono ? base.with(bold: true) : fg(.pausedFg, bold: true)
        }
    }
}
