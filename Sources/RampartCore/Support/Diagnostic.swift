/// One problem found in an input file, located precisely enough that an editor can jump to it.
///
/// Rampart never stops at the first problem: a user fixing a spec wants the whole list at once,
/// so loaders collect `Diagnostic`s and fail with all of them together.
public struct Diagnostic: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    /// The field path inside the document, such as `canary.steps[2].weight`; empty for the document itself.
    public var path: String
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.message = message
    }

    public var description: String {
        let location = "\(file):\(line):\(column)"
        return path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)"
    }
}

/// All the problems found in one or more input files. Thrown by loaders; never empty.
public struct InvalidInput: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
