/// Edit distance over Unicode scalars (insert, delete, substitute each cost 1).
///
/// Used for "did you mean" hints on spec keys now, and as a similarity scorer later; two rows of
/// memory keep it cheap for long answers.
public enum Levenshtein {
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                let substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)
                current[j] = Swift.min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// The table an edit distance may fill: 10⁸ cells, about a second of work. Two 100,000-character
    /// answers would need 10¹⁰ and tens of seconds.
    public static let maxCells = 100_000_000

    /// `similarity`, or nil when the strings, after their common prefix and suffix (which cost
    /// nothing), would need more than `maxCells`. Exact whenever it answers.
    public static func boundedSimilarity(_ a: String, _ b: String) -> Double? {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        let longest = Swift.max(x.count, y.count)
        if longest == 0 { return 1 }
        var start = 0
        while start < x.count && start < y.count && x[start] == y[start] { start += 1 }
        var endX = x.count, endY = y.count
        while endX > start && endY > start && x[endX - 1] == y[endY - 1] {
            endX -= 1
            endY -= 1
        }
        let n = endX - start, m = endY - start
        guard n == 0 || m == 0 || n.multipliedReportingOverflow(by: m).partialValue <= maxCells, !n.multipliedReportingOverflow(by: m).overflow else {
            return nil
        }
        let d = distance(String(String.UnicodeScalarView(x[start..<endX])), String(String.UnicodeScalarView(y[start..<endY])))
        return 1 - Double(d) / Double(longest)
    }

    /// 1 − distance / max(length), so identical strings score 1 and disjoint ones 0.
    public static func similarity(_ a: String, _ b: String) -> Double {
        let longest = Swift.max(a.unicodeScalars.count, b.unicodeScalars.count)
        if longest == 0 { return 1 }
        return 1 - Double(distance(a, b)) / Double(longest)
    }

    /// The closest candidate within a small distance, for "did you mean" hints.
    public static func suggestion(for word: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word, $0)) }.sorted { $0.1 < $1.1 }
        guard let best = scored.first else { return nil }
        return best.1 <= Swift.max(2, word.count / 3) ? best.0 : nil
    }
}
