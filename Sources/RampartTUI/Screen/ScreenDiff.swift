/// The minimal writes that turn one frame into the next: runs of changed cells that share a
/// style, each starting on a whole character. Pure, so it is tested and benchmarked without a
/// terminal; the curses backend only applies the runs.
public enum ScreenDiff {
    public struct Run: Equatable, Sendable {
        public var x: Int
        public var y: Int
        public var text: String
        public var style: CellStyle
    }

    /// With no previous frame (or a different size) every cell is written.
    public static func runs(from previous: Screen?, to next: Screen) -> [Run] {
        // The previous frame is only compared with when it has the same size.
        let prior = previous.flatMap { $0.width == next.width && $0.height == next.height ? $0 : nil }
        var out: [Run] = []
        for y in 0..<next.height {
            var x = 0
            while x < next.width {
                if let prior, prior[x, y] == next[x, y] {
                    x += 1
                    continue
                }
                var start = x
                while start > 0 && next[start, y].text.isEmpty { start -= 1 }
                let style = next[start, y].style
                var text = ""
                var end = start
                while end < next.width {
                    let cell = next[end, y]
                    if cell.style != style { break }
                    if let prior, end > x, prior[end, y] == cell, !cell.text.isEmpty { break }
                    text += cell.text
                    end += 1
                }
                out.append(Run(x: start, y: y, text: text, style: style))
                x = max(end, x + 1)
            }
        }
        return out
    }
}
