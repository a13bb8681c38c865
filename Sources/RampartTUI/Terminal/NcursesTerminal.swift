@preconcurrency import CNcursesw
import CTermGuard
import Foundation

/// The only file that calls curses. It starts and ends the screen, reads keys, and writes a
/// `Screen` by diffing it against the previous frame, so only changed cells reach the terminal.
/// Every call must come from the one UI thread: Debian's ncurses is not reentrant.
final class NcursesTerminal {
    private(set) var depth: ColorDepth = .none
    let utf8: Bool
    private var previous: Screen?
    private var pairs: [PairKey: Int32] = [:]
    private var nextPair: Int32 = 1
    private var screenPointer: OpaquePointer?

    private struct PairKey: Hashable { var fg: Int32; var bg: Int32 }

    enum Input: Equatable {
        case key(Key)
        case resize
    }

    /// Sets up curses. `colors: false` (NO_COLOR, or a mono theme) never starts colour at all.
    init(colors: Bool) {
        termguard_install()
        setlocale(LC_ALL, "")
        utf8 = String(cString: cn_codeset()) == "UTF-8"
        let env = ProcessInfo.processInfo.environment
        let term = env["TERM"] ?? "xterm"
        let colorterm = (env["COLORTERM"] ?? "").lowercased()
        // ncurses ignores COLORTERM; opt in to direct colour the way tcell does.
        if colors, ["truecolor", "24bit"].contains(colorterm), !term.hasSuffix("-direct") {
            let direct = term.hasPrefix("tmux") || term.hasPrefix("screen") ? "tmux-direct" : "xterm-direct"
            screenPointer = newterm(direct, stdout, stdin)
        }
        if screenPointer == nil { _ = initscr() }
        cbreak()
        noecho()
        nonl()
        intrflush(cn_stdscr(), false)
        keypad(cn_stdscr(), true)
        nodelay(cn_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        if colors && has_colors() {
            start_color()
            use_default_colors()
            let n = cn_colors()
            depth = n >= 0x1000000 ? .direct : (n >= 256 ? .indexed256 : .basic8)
        }
    }

    var size: (width: Int, height: Int) { (Int(getmaxx(cn_stdscr())), Int(getmaxy(cn_stdscr()))) }

    /// Reads every key waiting, without blocking.
    func readInput() -> [Input] {
        var out: [Input] = []
        while true {
            var ch: wint_t = 0
            let kind = get_wch(&ch)
            if kind == ERR { break }
            if kind == KEY_CODE_YES {
                switch Int32(ch) {
                case KEY_RESIZE: out.append(.resize)
                case KEY_UP: out.append(.key(.up))
                case KEY_DOWN: out.append(.key(.down))
                case KEY_LEFT: out.append(.key(.left))
                case KEY_RIGHT: out.append(.key(.right))
                case KEY_PPAGE: out.append(.key(.pageUp))
                case KEY_NPAGE: out.append(.key(.pageDown))
                case KEY_HOME: out.append(.key(.home))
                case KEY_END: out.append(.key(.end))
                case KEY_BTAB: out.append(.key(.backTab))
                case KEY_ENTER: out.append(.key(.enter))
                case KEY_BACKSPACE: out.append(.key(.backspace))
                default: break
                }
                continue
            }
            switch ch {
            case 9: out.append(.key(.tab))
            case 10, 13: out.append(.key(.enter))
            case 27: out.append(.key(.escape))
            case 8, 127: out.append(.key(.backspace))
            default:
                if let scalar = Unicode.Scalar(UInt32(ch)), ch >= 32 { out.append(.key(.char(Character(scalar)))) }
            }
        }
        return out
    }

    /// Forces the next draw to repaint everything (after a resize).
    /// The terminal bell (or a visible flash where the terminal has no bell).
    func bell() {
        _ = beep()
    }

    func invalidate() {
        previous = nil
    }

    func draw(_ screen: Screen) {
        if !(previous.map { $0.width == screen.width && $0.height == screen.height } ?? false) { _ = erase() }
        for run in ScreenDiff.runs(from: previous, to: screen) {
            apply(run.style)
            _ = mvaddstr(Int32(run.y), Int32(run.x), run.text)
        }
        _ = refresh()
        previous = screen
    }

    private func apply(_ style: CellStyle) {
        var attrs = cn_a_normal()
        if style.bold { attrs |= cn_a_bold() }
        if style.underline { attrs |= cn_a_underline() }
        if style.reverse { attrs |= cn_a_reverse() }
        _ = cn_set_style(attrs, pair(fg: depth.curses(style.fg), bg: depth.curses(style.bg)))
    }

    private func pair(fg: Int32, bg: Int32) -> Int32 {
        if depth == .none || (fg == -1 && bg == -1) { return 0 }
        let key = PairKey(fg: fg, bg: bg)
        if let p = pairs[key] { return p }
        guard nextPair < cn_color_pairs() else { return 0 }
        let p = nextPair
        nextPair += 1
        _ = init_extended_pair(p, fg, bg)
        pairs[key] = p
        return p
    }

    func end() {
        _ = endwin()
        if let s = screenPointer { delscreen(s) }
        screenPointer = nil
    }
}
