/// Lines of a text file, split at every LF. Not `String.split(separator: "\n")`: that splits by
/// `Character`, and "\r\n" is one Character, so a file saved with CR LF line ends (Windows,
/// some editors) came back as a single line. LF is one byte in UTF-8 and never part of another
/// character's bytes, so the split is on bytes. Each line keeps its CR; readers trim it.
public enum TextLines {
    public static func split(_ text: String) -> [Substring] {
        text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false).map { Substring($0) }
    }
}
