import ArgumentParser
import Foundation
import RampartCore
import RampartTUI

/// The themes the dashboard can cycle through with `t`, and which one it starts with.
struct ThemeSelection {
    var themes: [Theme]
    var index: Int

    /// `themes/` in the working directory, then the source tree's, as with `rampart demo`.
    static var directories: [String] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return ["themes", root.appendingPathComponent("themes").path]
    }

    static func load(_ requested: String) throws -> ThemeSelection {
        var themes: [Theme] = []
        do {
            for name in ThemeLoader.available(in: directories) {
                if let path = ThemeLoader.resolve(name, directories: directories) { themes.append(try ThemeLoader.load(file: path)) }
            }
            if themes.isEmpty { themes = [Theme.builtinDefault] }
            if let i = themes.firstIndex(where: { $0.name == requested }) { return ThemeSelection(themes: themes, index: i) }
            guard let path = ThemeLoader.resolve(requested, directories: directories) else {
                Console.error(
                    "error: no theme '\(requested)' (available: \(themes.map(\.name).joined(separator: ", ")); or give a path to a .theme file)")
                throw Exit.invalidInput
            }
            themes.insert(try ThemeLoader.load(file: path), at: 0)
            return ThemeSelection(themes: themes, index: 0)
        } catch let invalid as InvalidInput {
            Console.report(invalid)
            throw Exit.invalidInput
        }
    }
}
