import Foundation

/// Small drawing helpers shared by the dashboard's panels.
enum Widgets {
    static func box(
        _ s: inout Screen, x: Int, y: Int, width: Int, height: Int, title: String, style: CellStyle, titleStyle: CellStyle, glyphs g: Glyphs
    ) {
        guard width >= 2, height >= 2 else { return }
        let inner = String(repeating: g.horizontal, count: width - 2)
        s.put(g.topLeft + inner + g.topRight, x: x, y: y, style: style)
        for row in (y + 1)..<(y + height - 1) {
            s.put(g.vertical, x: x, y: row, style: style)
            s.put(g.vertical, x: x + width - 1, y: row, style: style)
        }
        s.put(g.bottomLeft + inner + g.bottomRight, x: x, y: y + height - 1, style: style)
        if !title.isEmpty {
            s.put(" " + CharWidth.truncate(title, to: width - 6) + " ", x: x + 2, y: y, style: titleStyle)
        }
    }

    /// A sparkline of `values` scaled to [low, high]; `nil` samples draw as the absent glyph.
    static func sparkline(_ values: [Double?], width: Int, low: Double, high: Double, glyphs g: Glyphs) -> String {
        guard width > 0 else { return "" }
        let tail = Array(values.suffix(width))
        let levels = g.spark.count
        var out = String(repeating: " ", count: width - tail.count)
        for v in tail {
            guard let v else { out += g.absent; continue }
            let span = high - low
            let level = span <= 0 ? levels / 2 : Int(((v - low) / span * Double(levels - 1)).rounded())
            out += g.spark[min(levels - 1, max(0, level))]
        }
        return out
    }

    static func gauge(percent: Double, width: Int, glyphs g: Glyphs) -> (full: String, empty: String) {
        let filled = min(width, max(0, Int((percent / 100 * Double(width)).rounded())))
        return (String(repeating: g.gaugeFull, count: filled), String(repeating: g.gaugeEmpty, count: width - filled))
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let t = max(0, Int(min(seconds, 359_999).rounded()))
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, (t % 3600) / 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
