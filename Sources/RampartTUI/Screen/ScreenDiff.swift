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
        var bytes: [UInt8] = []
        let width = next.width
        next.cells.withUnsafeBufferPointer { cells in
            (prior?.cells ?? []).withUnsafeBufferPointer { old in
                for y in 0..<next.height {
                    let row = y * width
                    var x = 0
                    while x < width {
                        if !old.isEmpty, old[row + x] == cells[row + x] {
                            x += 1
                            continue
                        }
                        var start = x
                        while start > 0 && cells[row + start].glyph.isEmpty { start -= 1 }
                        let style = cells[row + start].style
                        bytes.removeAll(keepingCapacity: true)
                        var end = start
                        while end < width {
                            let cell = cells[row + end]
                            if cell.style != style { break }
                            if !old.isEmpty, end > x, old[row + end] == cell, !cell.glyph.isEmpty { break }
                            cell.glyph.appendUTF8(to: &bytes)
                            end += 1
                        }
                        out.append(Run(x: start, y: y, text: String(decoding: bytes, as: UTF8.self), style: style))
                        x = max(end, x + 1)
                    }
                }
            }
        }
        return out
    }
}
