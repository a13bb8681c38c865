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

    /// sacrebleu's `13a` tokenizer. Its four regular expressions are fixed one- and two-character
    /// patterns, so each is a single left-to-right scan over Unicode scalars, reproducing `re.sub`'s
    /// leftmost, non-overlapping matches exactly (checked against sacrebleu in the tests) at a
    /// fraction of NSRegularExpression's cost.
    public static func tokenize13a(_ text: String) -> [String] {
        var line = text
        if line.contains("<skipped>") { line = line.replacingOccurrences(of: "<skipped>", with: "") }
        if line.contains("-\n") { line = line.replacingOccurrences(of: "-\n", with: "") }
        if line.contains("\n") { line = line.replacingOccurrences(of: "\n", with: " ") }
        if line.contains("&") {
            line = line.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&amp;", with: "&")
                .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
        }
        var chars: [Unicode.Scalar] = [" "] + Array(line.unicodeScalars) + [" "]
        let space: Unicode.Scalar = " "
        func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
        func isPeriodOrComma(_ c: Unicode.Scalar) -> Bool { c == "." || c == "," }
        // 1. ([\{-\~\[-\` -\&\(-\+\:-\@\/]) -> " \1 "
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(chars.count * 2)
        for c in chars {
            let v = c.value
            if (0x7B...0x7E).contains(v) || (0x5B...0x60).contains(v) || (0x20...0x26).contains(v) || (0x28...0x2B).contains(v)
                || (0x3A...0x40).contains(v) || v == 0x2F
            {
                out += [space, c, space]
            } else {
                out.append(c)
            }
        }
        chars = out
        // 2. ([^0-9])([\.,]) -> "\1 \2 "; 3. ([\.,])([^0-9]) -> " \1 \2"; 4. ([0-9])(-) -> "\1 \2 "
        let rules: [(Unicode.Scalar, Unicode.Scalar) -> [Unicode.Scalar]?] = [
            { a, b in !isDigit(a) && isPeriodOrComma(b) ? [a, space, b, space] : nil },
            { a, b in isPeriodOrComma(a) && !isDigit(b) ? [space, a, space, b] : nil },
            { a, b in isDigit(a) && b == "-" ? [a, space, b, space] : nil },
        ]
        for rule in rules {
            out = []
            out.reserveCapacity(chars.count + chars.count / 2)
            var i = 0
            while i < chars.count {
                if i + 1 < chars.count, let replaced = rule(chars[i], chars[i + 1]) {
                    out += replaced
                    i += 2
                } else {
                    out.append(chars[i])
                    i += 1
                }
            }
            chars = out
        }
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for c in chars {
            if c == " " || c == "\t" || c == "\r" || (c.value > 0x7F && c.properties.isWhitespace) || (c.value >= 0x0A && c.value <= 0x0D) {
                if !current.isEmpty {
                    tokens.append(String(current))
                    current = String.UnicodeScalarView()
                }
            } else {
                current.append(c)
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    public static func sentence(_ hypothesis: String, references: [String]) -> Result {
        BleuASCII.sentence(hypothesis, references: references) ?? general(hypothesis, references: references)
    }

    /// Any text: `tokenize13a` over Unicode scalars, n-grams in dictionaries.
    static func general(_ hypothesis: String, references: [String]) -> Result {
        // Tokens become small integers shared across the hypothesis and its references, so an
        // n-gram is one UInt64 (order in the top bits, 15 bits per token) instead of a string.
        var ids: [String: UInt64] = [:]
        func encode(_ tokens: [String]) -> [UInt64] {
            tokens.map { t in
                if let id = ids[t] { return id }
                let id = UInt64(ids.count + 1)
                ids[t] = id
                return id
            }
        }
        let hyp = encode(tokenize13a(hypothesis))
        let refs = references.map { encode(tokenize13a($0)) }
        guard ids.count < 1 << 15 else { return sentenceByStrings(hypothesis, references: references) }
        var maxRef: [UInt64: Int] = [:]
        for ref in refs {
            for (gram, count) in grams(ref) where count > (maxRef[gram] ?? 0) { maxRef[gram] = count }
        }
        var correct = [Int](repeating: 0, count: maxOrder), total = [Int](repeating: 0, count: maxOrder)
        for (gram, count) in grams(hyp) {
            let order = Int(gram >> 60)
            total[order - 1] += count
            correct[order - 1] += min(count, maxRef[gram] ?? 0)
        }
        let refLen = closest(hyp.count, refs.map(\.count))
        return compute(correct: correct, total: total, sysLen: hyp.count, refLen: refLen)
    }

    static func grams(_ tokens: [UInt64]) -> [UInt64: Int] {
        var out: [UInt64: Int] = [:]
        out.reserveCapacity(tokens.count * maxOrder)
        for n in 1...maxOrder where tokens.count >= n {
            for i in 0...(tokens.count - n) { out[key(tokens, at: i, order: n), default: 0] += 1 }
        }
        return out
    }

    /// The n-gram of `order` tokens from `i` as one key: the order in the top bits, 15 bits a token.
    @inline(__always) static func key(_ tokens: [UInt64], at i: Int, order n: Int) -> UInt64 {
        var key = UInt64(n) << 60
        for k in 0..<n { key |= tokens[i + k] << (15 * UInt64(k)) }
        return key
    }

    /// For pairs with more than 32,767 distinct tokens, which do not fit the packed keys.
    static func sentenceByStrings(_ hypothesis: String, references: [String]) -> Result {
        let hyp = tokenize13a(hypothesis)
        let refs = references.map(tokenize13a)
        var maxRef: [Gram: Int] = [:]
        for ref in refs {
            for (gram, count) in grams(ref) where count > (maxRef[gram] ?? 0) { maxRef[gram] = count }
        }
        var correct = [Int](repeating: 0, count: maxOrder), total = [Int](repeating: 0, count: maxOrder)
        for (gram, count) in grams(hyp) {
            total[gram.order - 1] += count
            correct[gram.order - 1] += min(count, maxRef[gram] ?? 0)
        }
        return compute(correct: correct, total: total, sysLen: hyp.count, refLen: closest(hyp.count, refs.map(\.count)))
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
        return Result(
            score: min(1, score / 100), precisions: precisions.map { $0 / 100 }, brevityPenalty: bp, hypothesisLength: sysLen, referenceLength: refLen
        )
    }

    /// An n-gram as its order and its tokens joined by U+0001, which whitespace tokens never hold.
    struct Gram: Hashable {
        var order: Int
        var text: String
    }

    static func grams(_ tokens: [String]) -> [Gram: Int] {
        var out: [Gram: Int] = [:]
        for n in 1...maxOrder where tokens.count >= n {
            for i in 0...(tokens.count - n) { out[Gram(order: n, text: tokens[i..<(i + n)].joined(separator: "\u{1}")), default: 0] += 1 }
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
