/// `rouge_l` and `rouge-l` name one thing: the CLI and the specs spelled names differently, so a
/// name from a list is matched with hyphens and underscores interchangeable, wherever it is read.
public enum NameSpelling {
    public static func match<E: RawRepresentable>(_ raw: String, as _: E.Type = E.self) -> E? where E.RawValue == String {
        for spelling in [raw, raw.replacingOccurrences(of: "-", with: "_"), raw.replacingOccurrences(of: "_", with: "-")] {
            if let value = E(rawValue: spelling) { return value }
        }
        return nil
    }
}
