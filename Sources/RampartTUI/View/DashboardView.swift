import Foundation
import RampartCore

/// Renders the dashboard: `render(state, size, theme) -> Screen`, pure. Larger terminals get more
/// detail (limits, wider trends, baselines for gates, more log), not just more space.
public enum DashboardView {
    public static let minimumWidth = 80
    public static let minimumHeight = 24
    /// Wall seconds without an event before the header warns that the feed may be stale.
    public static let staleAfter = 12.0

    public static func render(_ s: DashboardState, width: Int, height: Int, theme: Theme, glyphs: Glyphs = .unicode) -> Screen {
        let p = Palette(theme: theme)
        var screen = Screen(width: width, height: height, fill: p.base)
        if width < minimumWidth || height < minimumHeight {
            tooSmall(&screen, p)
            return glyphs == .ascii ? screen.asciiOnly() : screen
        }
        var painter = Painter(s: s, p: p, g: glyphs, screen: screen)
        painter.draw()
        screen = painter.screen
        // A dialog covers the panels: clicks reach only what it draws.
        if s.overlay != nil { screen.hotspots = [] }
        switch s.overlay {
        case .help:
            Overlays.help(&screen, s, p, glyphs)
            screen.hotspots = [Hotspot(x: 0, y: 0, width: width, height: height, target: .key(.escape))]
        case .confirm(let c): Overlays.confirm(&screen, s, c, p, glyphs)
        case nil: break
        }
        return glyphs == .ascii ? screen.asciiOnly() : screen
    }

    static func tooSmall(_ screen: inout Screen, _ p: Palette) {
        let lines = [
            "terminal too small",
            "need \(minimumWidth)×\(minimumHeight), have \(screen.width)×\(screen.height)",
            "enlarge the window, or press q to quit",
        ]
        let top = max(0, screen.height / 2 - 1)
        for (i, line) in lines.enumerated() {
            let fitted = CharWidth.truncate(line, to: screen.width)
            screen.put(fitted, x: max(0, (screen.width - CharWidth.of(fitted)) / 2), y: top + i, style: i == 0 ? p.title : p.base)
        }
    }
}

/// Draws the panels top to bottom into one screen.
struct Painter {
    let s: DashboardState
    let p: Palette
    let g: Glyphs
    var screen: Screen
    var y = 0

    var width: Int { screen.width }
    var height: Int { screen.height }
    var wide: Bool { width >= 110 }

    mutating func draw() {
        header()
        verdict()
        if s.replay != nil { timeline() }
        pipelineStrip()
        gateLines()
        let footerRows = 1
        let logMin = 5
        let canaryRows = canaryHeight()
        let canaryFits = y + canaryRows + logMin + footerRows <= height
        if canaryFits { canaryPanel(rows: canaryRows) }
        eventLog(rows: height - footerRows - y)
        footer()
    }
}
