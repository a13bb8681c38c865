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
    /// Whether this terminal understands OSC 2 titles (xterm and what copies it, tmux, screen);
    /// the Linux console and `dumb` would print the sequence.
    let titles: Bool
    private var title: String?

    private struct PairKey: Hashable { var fg: Int32; var bg: Int32 }

    typealias Input = TerminalInput
    /// Whether the terminal was asked for mouse reports (and must be told to stop).
    private let mouse: Bool
    private var mouseDecoder = MouseDecoder()

    /// Sets up curses. `colors: false` (NO_COLOR, or a mono theme) never starts colour at all.
    init(colors: Bool, mouse: Bool = true) {
        termguard_install()
        setlocale(LC_ALL, "")
        utf8 = String(cString: cn_codeset()) == "UTF-8"
        let env = ProcessInfo.processInfo.environment
        let term = env["TERM"] ?? "xterm"
        titles = Self.titlePrefixes.contains { term.hasPrefix($0) }
        let colorterm = (env["COLORTERM"] ?? "").lowercased()
        // ncurses ignores COLORTERM; opt in to direct colour the way tcell does.
        if colors, ["truecolor", "24bit"].contains(colorterm), !term.hasSuffix("-direct") {
            let direct = term.hasPrefix("tmux") || term.hasPrefix("screen") ? "tmux-direct" : "xterm-direct"
            screenPointer = newterm(direct, stdout, stdin)
        }
        if screenPointer == nil { _ = initscr() }
        // xterm keeps a stack of titles: push the shell's, so quitting puts it back.
        if titles { Self.write("\u{1B}[22;2t") }
        cbreak()
        noecho()
        nonl()
        intrflush(cn_stdscr(), false)
        keypad(cn_stdscr(), true)
        nodelay(cn_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        self.mouse = mouse
        if mouse {
            // Button presses and releases in SGR form, decoded here (see `MouseDecoder`): with
            // `kmous` off, ncurses passes the report through as plain characters.
            _ = keyok(KEY_MOUSE, false)
            Self.write(Self.mouseOn)
        }
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
        return mouse ? mouseDecoder.decode(out) : out
    }

    /// Normal tracking (presses and releases, no motion) reported in SGR form.
    static let mouseOn = "\u{1B}[?1000h\u{1B}[?1006h"
    static let mouseOff = "\u{1B}[?1006l\u{1B}[?1000l"

    /// The terminal bell (or a visible flash where the terminal has no bell).
    func bell() {
        _ = beep()
    }

    /// Sets the window title; the text is sanitized by its maker (no control characters).
    func setTitle(_ text: String) {
        guard titles, text != title else { return }
        title = text
        Self.write("\u{1B}]2;\(text)\u{07}")
    }

    static let titlePrefixes = ["xterm", "tmux", "screen", "rxvt", "alacritty", "foot", "kitty", "wezterm", "st-", "vte", "gnome", "konsole"]

    /// Bytes straight to the terminal, after curses has flushed its own: curses never sees them,
    /// so they cannot disturb its idea of the screen.
    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        _ = bytes.withUnsafeMutableBytes { Foundation.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    /// Forces the next draw to repaint everything (after a resize).
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
        if mouse { Self.write(Self.mouseOff) }
        _ = endwin()
        if titles { Self.write("\u{1B}[23;2t") }
        if let s = screenPointer { delscreen(s) }
        screenPointer = nil
    }
}
