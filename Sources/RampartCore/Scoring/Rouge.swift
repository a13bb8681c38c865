import Foundation

/// ROUGE-N and ROUGE-L as Google's `rouge-score` computes them (`RougeScorer(use_stemmer=False)`):
/// the reference is the target, F-measure is the score, several references take the best F.
///
/// The default tokenizer is rouge-score's: lowercase, runs of `[^a-z0-9]` become spaces, tokens
/// must match `^[a-z0-9]+$`. It deletes all non-ASCII text, so `.unicode` splits on anything that
/// is not a letter or digit instead, and the signature says which one was used.
public enum Rouge {
    public enum Tokenizer: String, Sendable, Codable {
        case rougeScore = "rouge-score"
        case unicode
    }

    public struct Score: Sendable, Equatable, Codable {
        public var precision: Double
        public var recall: Double
        public var fmeasure: Double
    }

    public static func signature(_ name: String, tokenizer: Tokenizer) -> String {
        "\(name)|tok:\(tokenizer.rawValue)|stem:no|agg:max-f|v1"
    }

    public static func tokenize(_ text: String, _ tokenizer: Tokenizer = .rougeScore) -> [String] {
        switch tokenizer {
        case .rougeScore:
            let lowered = text.lowercased()
            var tokens: [String] = []
            var current = ""
            for scalar in lowered.unicodeScalars {
                let v = scalar.value
                if (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) {
                    current.unicodeScalars.append(scalar)
                } else if !current.isEmpty {
                    tokens.append(current)
                    current = ""
                }
            }
            if !current.isEmpty { tokens.append(current) }
            return tokens
        case .unicode:
            return text.precomposedStringWithCanonicalMapping.lowercased()
                .components(separatedBy: CharacterSet.alphanumerics.inverted).filter { !$0.isEmpty }
        }
    }

    /// ROUGE-N over n-gram counts.
    public static func n(_ n: Int, candidate: String, reference: String, tokenizer: Tokenizer = .rougeScore) -> Score {
        let target = ngrams(tokenize(reference, tokenizer), n), prediction = ngrams(tokenize(candidate, tokenizer), n)
        var overlap = 0
        for (gram, count) in target { overlap += min(count, prediction[gram] ?? 0) }
        let p = Double(overlap) / Double(max(prediction.values.reduce(0, +), 1))
        let r = Double(overlap) / Double(max(target.values.reduce(0, +), 1))
        return Score(precision: p, recall: r, fmeasure: f(p, r))
    }

    /// ROUGE-L over the longest common subsequence of tokens.
    public static func l(candidate: String, reference: String, tokenizer: Tokenizer = .rougeScore) -> Score {
        if tokenizer == .rougeScore, let found = RougeLASCII.lcs(candidate, reference) {
            if found.reference == 0 || found.candidate == 0 { return Score(precision: 0, recall: 0, fmeasure: 0) }
            let p = Double(found.lcs) / Double(found.candidate), r = Double(found.lcs) / Double(found.reference)
            return Score(precision: p, recall: r, fmeasure: f(p, r))
        }
        return general(candidate: candidate, reference: reference, tokenizer: tokenizer)
    }

    /// ROUGE-L through `tokenize`: any text, either tokenizer.
    static func general(candidate: String, reference: String, tokenizer: Tokenizer) -> Score {
        let target = tokenize(reference, tokenizer), prediction = tokenize(candidate, tokenizer)
        if target.isEmpty || prediction.isEmpty { return Score(precision: 0, recall: 0, fmeasure: 0) }
        var previous = [Int](repeating: 0, count: prediction.count + 1)
        var current = previous
        for i in 1...target.count {
            for j in 1...prediction.count {
                current[j] = target[i - 1] == prediction[j - 1] ? previous[j - 1] + 1 : max(previous[j], current[j - 1])
            }
            swap(&previous, &current)
        }
        let lcs = Double(previous[prediction.count])
        let p = lcs / Double(prediction.count), r = lcs / Double(target.count)
        return Score(precision: p, recall: r, fmeasure: f(p, r))
    }

    /// The best score (by F-measure) over several references, as `score_multi` does.
    public static func best(_ references: [String], _ score: (String) -> Score) -> Score {
        references.map(score).max { $0.fmeasure < $1.fmeasure } ?? Score(precision: 0, recall: 0, fmeasure: 0)
    }

    static func ngrams(_ tokens: [String], _ n: Int) -> [[String]: Int] {
        var out: [[String]: Int] = [:]
        guard n > 0, tokens.count >= n else { return out }
        for i in 0...(tokens.count - n) { out[Array(tokens[i..<(i + n)]), default: 0] += 1 }
        return out
    }

    static func f(_ p: Double, _ r: Double) -> Double { p + r > 0 ? 2 * p * r / (p + r) : 0 }
}
