import Foundation

/// Sentence BLEU with sacrebleu's defaults (`sentence_bleu`): the `13a` tokenizer, `exp`
/// smoothing (NIST, Chen & Cherry method 3), effective order, up to 4-grams, the closest reference
/// length (ties to the shorter) for the brevity penalty. Reported on 0–1 (sacrebleu prints 0–100).
public enum Bleu {
    public static let signature = "bleu|nrefs:var|case:mixed|eff:yes|tok:13a|smooth:exp|v1"
    public static let maxOrder = 4

    public struct Result: Sendable, Equatable {
        public var score: Double
        public var precisions: [Double]
        public var brevityPenalty: Double
        public var hypothesisLength: Int
        public var referenceLength: Int
    }

    // mteval-v13a's language-independent rules, in sacrebleu's order.
    private static let rules: [(NSRegularExpression, String)] = [
        (try! NSRegularExpression(pattern: #"([\{-\~\[-\` -\&\(-\+\:-\@\/])"#), " $1 "),
        (try! NSRegularExpression(pattern: #"([^0-9])([\.,])"#), "$1 $2 "),
        (try! NSRegularExpression(pattern: #"([\.,])([^0-9])"#), " $1 $2"),
        (try! NSRegularExpression(pattern: #"([0-9])(-)"#), "$1 $2 "),
    ]

    public static func tokenize13a(_ text: String) -> [String] {
        var line = text.replacingOccurrences(of: "<skipped>", with: "")
            .replacingOccurrences(of: "-\n", with: "").replacingOccurrences(of: "\n", with: " ")
        if line.contains("&") {
            line = line.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        }
        line = " \(line) "
        for (regex, template) in rules {
            line = regex.stringByReplacingMatches(in: line, range: NSRange(line.startIndex..., in: line), withTemplate: template)
        }
        return line.split(whereSeparator: { $0.isWhitespace }).map(String.init)
    }

    public static func sentence(_ hypothesis: String, references: [String]) -> Result {
        let hyp = tokenize13a(hypothesis)
        let refs = references.map(tokenize13a)
        var maxRef: [[String]: Int] = [:]
        for ref in refs {
            for (gram, count) in grams(ref) where count > (maxRef[gram] ?? 0) { maxRef[gram] = count }
        }
        var correct = [Int](repeating: 0, count: maxOrder), total = [Int](repeating: 0, count: maxOrder)
        for (gram, count) in grams(hyp) {
            total[gram.count - 1] += count
            correct[gram.count - 1] += min(count, maxRef[gram] ?? 0)
        }
        let refLen = closest(hyp.count, refs.map(\.count))
        return compute(correct: correct, total: total, sysLen: hyp.count, refLen: refLen)
    }

    static func compute(correct: [Int], total: [Int], sysLen: Int, refLen: Int) -> Result {
        var bp = 1.0
        if sysLen < refLen { bp = sysLen > 0 ? exp(1 - Double(refLen) / Double(sysLen)) : 0 }
        var precisions = [Double](repeating: 0, count: maxOrder)
        if correct.allSatisfy({ $0 == 0 }) {
            return Result(score: 0, precisions: precisions, brevityPenalty: bp, hypothesisLength: sysLen, referenceLength: refLen)
        }
        var smooth = 1.0
        var order = maxOrder
        for n in 1...maxOrder {
            if total[n - 1] == 0 { break }
            order = n
            if correct[n - 1] == 0 {
                smooth *= 2
                precisions[n - 1] = 100 / (smooth * Double(total[n - 1]))
            } else {
                precisions[n - 1] = 100 * Double(correct[n - 1]) / Double(total[n - 1])
            }
        }
        let logs = precisions[..<order].map { $0 == 0 ? -9_999_999_999 : log($0) }
        let score = bp * exp(logs.reduce(0, +) / Double(order))
        // Clamped: exp(log(100)) comes back as 100.00000000000004, and a similarity above 1 reads as a bug.
        return Result(score: min(1, score / 100), precisions: precisions.map { $0 / 100 }, brevityPenalty: bp, hypothesisLength: sysLen, referenceLength: refLen)
    }

    static func grams(_ tokens: [String]) -> [[String]: Int] {
        var out: [[String]: Int] = [:]
        for n in 1...maxOrder where tokens.count >= n {
            for i in 0...(tokens.count - n) { out[Array(tokens[i..<(i + n)]), default: 0] += 1 }
        }
        return out
    }

    static func closest(_ length: Int, _ refs: [Int]) -> Int {
        var best = -1, bestDiff = -1
        for r in refs {
            let d = abs(length - r)
            if bestDiff == -1 || d < bestDiff || (d == bestDiff && r < best) {
                best = r
                bestDiff = d
            }
        }
        return max(best, 0)
    }
}
