/// Lines of a text file, split at every LF. Not `String.split(separator: "\n")`: that splits by
/// `Character`, and "\r\n" is one Character, so a file saved with CR LF line ends (Windows,
/// some editors) came back as a single line. Each line keeps its CR; readers trim it.
public enum TextLines {
    public static func split(_ text: String) -> [Substring] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { Substring($0) }
    }
}
