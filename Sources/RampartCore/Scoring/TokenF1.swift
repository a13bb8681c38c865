import Foundation

/// SQuAD-style token F1 and exact match, the normalisation used by OpenAI Evals and DeepEval:
/// lowercase, drop ASCII punctuation, drop the articles a/an/the, fold white space.
public enum TokenF1 {
    public static let signature = "token_f1|squad-normalize|v1"

    public static func normalize(_ text: String) -> String {
        let lowered = text.precomposedStringWithCanonicalMapping.lowercased()
        let punctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
        let noPunct = String(lowered.filter { !punctuation.contains($0) })
        let words = noPunct.split(whereSeparator: { $0.isWhitespace })
            .filter { $0 != "a" && $0 != "an" && $0 != "the" }
        return words.joined(separator: " ")
    }

    public static func tokens(_ text: String) -> [Substring] {
        normalize(text).split(separator: " ")
    }

    /// F1 against one reference. Two empty token lists agree (score 1), as the SQuAD 2.0 script does.
    public static func score(_ prediction: String, reference: String) -> Double {
        ASCIITokens.f1(prediction, reference) ?? general(prediction, reference: reference)
    }

    static func f1(same: Int, predicted: Int, reference: Int) -> Double {
        if predicted == 0 || reference == 0 { return predicted == 0 && reference == 0 ? 1 : 0 }
        if same == 0 { return 0 }
        let precision = Double(same) / Double(predicted)
        let recall = Double(same) / Double(reference)
        return 2 * precision * recall / (precision + recall)
    }

    /// Any text: Unicode lowercasing and white space, through `normalize`.
    static func general(_ prediction: String, reference: String) -> Double {
        let p = tokens(prediction), g = tokens(reference)
        if p.isEmpty || g.isEmpty { return p.isEmpty && g.isEmpty ? 1 : 0 }
        var counts: [Substring: Int] = [:]
        for t in g { counts[t, default: 0] += 1 }
        var same = 0
        for t in p where (counts[t] ?? 0) > 0 {
            counts[t, default: 0] -= 1
            same += 1
        }
        if same == 0 { return 0 }
        let precision = Double(same) / Double(p.count)
        let recall = Double(same) / Double(g.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// The best F1 over several acceptable references.
    public static func score(_ prediction: String, references: [String]) -> Double {
        references.map { score(prediction, reference: $0) }.max() ?? 0
    }

    public static func exactMatch(_ prediction: String, references: [String]) -> Double {
        let p = normalize(prediction)
        return references.contains { normalize($0) == p } ? 1 : 0
    }
}
