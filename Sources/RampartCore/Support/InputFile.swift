import Foundation

/// Reads an input file as UTF-8 text, or fails with a diagnostic at line 1 that names the file and
/// says why (`No such file or directory`, `Permission denied`, not valid UTF-8).
public enum InputFile {
    public static func read(_ path: String, what: String) throws(InvalidInput) -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw InvalidInput([Diagnostic(file: path, line: 1, column: 1, path: "", message: "cannot read \(what): \(SpecLoader.reason(error))")])
        }
    }
}
