/// A place on a rendered screen that a mouse click acts on. The painter records hotspots as it
/// draws, so a click always means what the operator sees under the pointer; a dialog clears
/// the panels' hotspots, so a click never reaches what the dialog covers.
public struct Hotspot: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int
    public var target: ClickTarget

    public init(x: Int, y: Int, width: Int, height: Int = 1, target: ClickTarget) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
        self.target = target
    }

    func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < x + width && py >= y && py < y + height
    }
}

/// What a click on a hotspot does.
public enum ClickTarget: Equatable, Sendable {
    /// A key label in the footer: as if the key were typed, with the same checks and dialogs.
    case key(Key)
    /// A metric row: select it (its trade-off rows follow).
    case metric(Int)
    /// A dialog's button: `confirm` is the action's, false is Cancel.
    case dialog(confirm: Bool)
    /// The event log: the wheel scrolls it.
    case log
}

extension Screen {
    /// The topmost hotspot under (x, y): the one recorded last, as it was drawn last.
    public func hotspot(x: Int, y: Int) -> Hotspot? {
        hotspots.last { $0.contains(x: x, y: y) }
    }
}
