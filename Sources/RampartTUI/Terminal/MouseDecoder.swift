/// Reads xterm SGR mouse reports (`ESC [ < b ; x ; y M`, `m` on release) out of the key stream.
///
/// Not ncurses' own mouse support: its decoder, asked for presses and releases, sometimes
/// decides a release is not worth reporting and then reads on for the next event with a blocking
/// read, nodelay or not, and the dashboard froze until the next key (seen with SGR reports in
/// tmux). The dashboard turns ncurses' `kmous` key off and asks the terminal for SGR reports
/// itself; ncurses hands the unknown sequence over as ESC and plain characters, and this decoder
/// puts them back together. Pure: fed inputs, returns inputs.
struct MouseDecoder {
    /// A report cut between two reads, kept until the rest arrives.
    private var partial: [TerminalInput] = []

    /// The inputs with every complete mouse report replaced by a click or a wheel notch (or
    /// dropped: releases, motion, other buttons). An ESC at the end of a batch is the Escape key,
    /// as nothing of a report follows it yet.
    mutating func decode(_ batch: [TerminalInput]) -> [TerminalInput] {
        let inputs = partial + batch
        partial = []
        var out: [TerminalInput] = []
        var i = 0
        while i < inputs.count {
            guard inputs[i] == .key(.escape), i + 1 < inputs.count else {
                out.append(inputs[i])
                i += 1
                continue
            }
            switch Self.report(inputs, from: i) {
            case .complete(let event, let end):
                if let event { out.append(event) }
                i = end
            case .incomplete:
                partial = Array(inputs[i...])
                return out
            case .notAReport:
                out.append(inputs[i])
                i += 1
            }
        }
        return out
    }

    private enum Parse {
        case complete(TerminalInput?, end: Int)
        case incomplete
        case notAReport
    }

    private static func report(_ inputs: [TerminalInput], from start: Int) -> Parse {
        var i = start + 1
        guard i < inputs.count else { return .incomplete }
        guard inputs[i] == .key(.char("[")) else { return .notAReport }
        i += 1
        guard i < inputs.count else { return .incomplete }
        if inputs[i] == .key(.char("M")) { return x10(inputs, from: i + 1) }
        guard inputs[i] == .key(.char("<")) else { return .notAReport }
        i += 1
        var params: [Int] = [0]
        while i < inputs.count {
            guard case .key(.char(let c)) = inputs[i] else { return .notAReport }
            i += 1
            if let digit = c.wholeNumberValue, c.isASCII {
                params[params.count - 1] = min(params[params.count - 1] * 10 + digit, 100_000)
            } else if c == ";" {
                guard params.count < 3 else { return .notAReport }
                params.append(0)
            } else if c == "M" || c == "m" {
                guard params.count == 3 else { return .notAReport }
                return .complete(event(button: params[0], x: params[1] - 1, y: params[2] - 1, press: c == "M"), end: i)
            } else {
                return .notAReport
            }
        }
        // A report is at most "ESC [ < 255;9999;9999M": longer and still unfinished is not one.
        return i - start > 20 ? .notAReport : .incomplete
    }

    /// A terminal without SGR reports sends `ESC [ M` and three bytes (button, x, y, each plus
    /// 32). Read too, so a click there is never taken for the keys it is made of (a space would
    /// pause the ramp); coordinates past 95 are not valid text and do not reach us whole.
    private static func x10(_ inputs: [TerminalInput], from start: Int) -> Parse {
        guard start + 3 <= inputs.count else { return .incomplete }
        var bytes: [Int] = []
        for input in inputs[start..<start + 3] {
            guard case .key(let key) = input else { return .notAReport }
            let c: Character
            switch key {
            case .char(let ch): c = ch
            default: return .complete(nil, end: start + 3)
            }
            guard let v = c.unicodeScalars.first?.value, v >= 32 else { return .notAReport }
            bytes.append(Int(v) - 32)
        }
        let release = bytes[0] & 3 == 3 && bytes[0] & 64 == 0
        return .complete(event(button: bytes[0], x: bytes[1] - 1, y: bytes[2] - 1, press: !release), end: start + 3)
    }

    /// Bits of the SGR button code: 64 wheel, 32 motion, 4/8/16 shift/alt/ctrl, low two the button.
    static func event(button b: Int, x: Int, y: Int, press: Bool) -> TerminalInput? {
        guard press, x >= 0, y >= 0, b & 32 == 0 else { return nil }
        if b & 64 != 0 {
            switch b & 3 {
            case 0: return .wheel(x: x, y: y, up: true)
            case 1: return .wheel(x: x, y: y, up: false)
            default: return nil
            }
        }
        return b & 3 == 0 ? .click(x: x, y: y) : nil
    }
}

/// What the terminal reports: keys, a resize, clicks and wheel notches.
enum TerminalInput: Equatable {
    case key(Key)
    case resize
    /// A left-button press at a cell (0-based).
    case click(x: Int, y: Int)
    /// A wheel notch at a cell.
    case wheel(x: Int, y: Int, up: Bool)
}
