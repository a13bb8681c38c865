import Foundation

/// VADER sentiment (Hutto & Gilbert, ICWSM 2014), ported from vaderSentiment 3.3.2 rule by rule,
/// quirks included, so compound scores agree with the reference to 1e-9. Used as the tone
/// classifier for tone gates; `compound` runs from −1 (most negative) to 1.
///
/// Scores are returned unrounded; the Python package rounds them to 3 and 4 places for display.
public enum Vader {
    public static let signature = "vader|vaderSentiment-3.3.2|unrounded|v1"

    public struct Polarity: Sendable, Equatable {
        public var neg: Double
        public var neu: Double
        public var pos: Double
        public var compound: Double
    }

    static let bIncr = 0.293, bDecr = -0.293, cIncr = 0.733, nScalar = -0.74

    static let negate: Set<String> = [
        "aint", "arent", "cannot", "cant", "couldnt", "darent", "didnt", "doesnt", "ain't", "aren't", "can't", "couldn't",
        "daren't", "didn't", "doesn't", "dont", "hadnt", "hasnt", "havent", "isnt", "mightnt", "mustnt", "neither", "don't",
        "hadn't", "hasn't", "haven't", "isn't", "mightn't", "mustn't", "neednt", "needn't", "never", "none", "nope", "nor",
        "not", "nothing", "nowhere", "oughtnt", "shant", "shouldnt", "uhuh", "wasnt", "werent", "oughtn't", "shan't",
        "shouldn't", "uh-uh", "wasn't", "weren't", "without", "wont", "wouldnt", "won't", "wouldn't", "rarely", "seldom",
        "despite",
    ]

    static let booster: [String: Double] = {
        let up = [
            "absolutely", "amazingly", "awfully", "completely", "considerable", "considerably", "decidedly", "deeply", "effing",
            "enormous", "enormously", "entirely", "especially", "exceptional", "exceptionally", "extreme", "extremely",
            "fabulously", "flipping", "flippin", "frackin", "fracking", "fricking", "frickin", "frigging", "friggin", "fully",
            "fuckin", "fucking", "fuggin", "fugging", "greatly", "hella", "highly", "hugely", "incredible", "incredibly",
            "intensely", "major", "majorly", "more", "most", "particularly", "purely", "quite", "really", "remarkably", "so",
            "substantially", "thoroughly", "total", "totally", "tremendous", "tremendously", "uber", "unbelievably",
            "unusually", "utter", "utterly", "very",
        ]
        let down = [
            "almost", "barely", "hardly", "just enough", "kind of", "kinda", "kindof", "kind-of", "less", "little", "marginal",
            "marginally", "occasional", "occasionally", "partly", "scarce", "scarcely", "slight", "slightly", "somewhat",
            "sort of", "sorta", "sortof", "sort-of",
        ]
        var d: [String: Double] = [:]
        for w in up { d[w] = bIncr }
        for w in down { d[w] = bDecr }
        return d
    }()

    static let specialCases: [String: Double] = [
        "the shit": 3, "the bomb": 3, "bad ass": 1.5, "badass": 1.5, "bus stop": 0.0, "yeah right": -2,
        "kiss of death": -1.5, "to die for": 3, "beating heart": 3.5,
    ]

    /// VADER's lexicons (vaderSentiment 3.3.2, MIT, Resources/VADER-LICENSE.txt): word TAB mean
    /// valence, and emoji TAB description; the first two columns of the package's files. They
    /// are compiled in and parsed once, on first use.
    static let lexiconText = String(decoding: PackageResources.vader_lexicon_tsv, as: UTF8.self)
    static let emojiText = String(decoding: PackageResources.vader_emoji_tsv, as: UTF8.self)

    static let lexicon: [String: Double] = {
        var d: [String: Double] = [:]
        for line in lexiconText.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            if parts.count >= 2, let v = Double(parts[1]) { d[String(parts[0])] = v }
        }
        return d
    }()

    static let emojis: [Unicode.Scalar: String] = {
        var d: [Unicode.Scalar: String] = [:]
        for line in emojiText.split(separator: "\n") {
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            // Python iterates text by code point, so only single-code-point keys can ever match.
            if parts.count >= 2, parts[0].unicodeScalars.count == 1, let scalar = parts[0].unicodeScalars.first { d[scalar] = String(parts[1]) }
        }
        return d
    }()

    static let asciiPunctuation = Set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".unicodeScalars)

    /// Python's `str.isupper()`: at least one cased character, and none lowercase.
    static func isUpper(_ s: String) -> Bool {
        var cased = false
        for ch in s {
            if ch.isLowercase { return false }
            if ch.isUppercase { cased = true }
        }
        return cased
    }

    /// `token.strip(string.punctuation)`, unless that leaves two characters or fewer (an emoticon).
    static func stripPunctuation(_ token: String) -> String {
        var scalars = Array(token.unicodeScalars)
        while let f = scalars.first, asciiPunctuation.contains(f) { scalars.removeFirst() }
        while let l = scalars.last, asciiPunctuation.contains(l) { scalars.removeLast() }
        if scalars.count <= 2 { return token }
        var out = ""
        out.unicodeScalars.append(contentsOf: scalars)
        return out
    }

    static func normalize(_ score: Double, alpha: Double = 15) -> Double {
        let n = score / (score * score + alpha).squareRoot()
        return min(1, max(-1, n))
    }

    public static func polarity(_ input: String) -> Polarity {
        VaderASCII.polarity(input) ?? general(input)
    }

    /// The rules over `String`s, for any text; `VaderASCII` gives the same for ASCII text, faster.
    /// Public for the fuzzer, which holds the two to the same answers.
    public static func general(_ input: String) -> Polarity {
        var noEmoji = ""
        var previousSpace = true
        for scalar in input.unicodeScalars {
            if let description = emojis[scalar] {
                if !previousSpace { noEmoji += " " }
                noEmoji += description
                previousSpace = false
            } else {
                noEmoji.unicodeScalars.append(scalar)
                previousSpace = scalar == " "
            }
        }
        let text = noEmoji.trimmingCharacters(in: .whitespacesAndNewlines)
        let words = text.split(whereSeparator: { $0.isWhitespace }).map { stripPunctuation(String($0)) }
        let lower = words.map { $0.lowercased() }
        let allCaps = words.filter(isUpper).count
        let capDifferential = allCaps > 0 && allCaps < words.count

        var sentiments: [Double] = []
        for (i, item) in words.enumerated() {
            if booster[lower[i]] != nil || (i < words.count - 1 && lower[i] == "kind" && lower[i + 1] == "of") {
                sentiments.append(0)
                continue
            }
            sentiments.append(valence(i, item: item, words: words, lower: lower, capDifferential: capDifferential))
        }
        butCheck(lower, &sentiments)
        return score(sentiments, bangs: text.filter { $0 == "!" }.count, questions: text.filter { $0 == "?" }.count)
    }

    static func valence(_ i: Int, item: String, words: [String], lower: [String], capDifferential: Bool) -> Double {
        guard let base = lexicon[lower[i]] else { return 0 }
        var v = base
        if lower[i] == "no", i != words.count - 1, lexicon[lower[i + 1]] != nil { v = 0 }
        if (i > 0 && lower[i - 1] == "no") || (i > 1 && lower[i - 2] == "no")
            || (i > 2 && lower[i - 3] == "no" && ["or", "nor"].contains(lower[i - 1]))
        {
            v = base * nScalar
        }
        if isUpper(item) && capDifferential { v += v > 0 ? cIncr : -cIncr }
        for start in 0..<3 where i > start && lexicon[lower[i - (start + 1)]] == nil {
            var s = scalarIncDec(words[i - (start + 1)], valence: v, capDifferential: capDifferential)
            if start == 1 && s != 0 { s *= 0.95 }
            if start == 2 && s != 0 { s *= 0.9 }
            v += s
            v = negationCheck(v, lower, start, i)
            if start == 2 { v = idiomsCheck(v, lower, i) }
        }
        return leastCheck(v, lower, i)
    }

    static func scalarIncDec(_ word: String, valence: Double, capDifferential: Bool) -> Double {
        guard var scalar = booster[word.lowercased()] else { return 0 }
        if valence < 0 { scalar *= -1 }
        if isUpper(word) && capDifferential { scalar += valence > 0 ? cIncr : -cIncr }
        return scalar
    }

    static func negated(_ word: String) -> Bool { negate.contains(word) || word.contains("n't") }

    static func negationCheck(_ valence: Double, _ w: [String], _ start: Int, _ i: Int) -> Double {
        var v = valence
        switch start {
        case 0:
            if negated(w[i - 1]) { v *= nScalar }
        case 1:
            if w[i - 2] == "never" && (w[i - 1] == "so" || w[i - 1] == "this") {
                v *= 1.25
            } else if w[i - 2] == "without" && w[i - 1] == "doubt" {
            } else if negated(w[i - 2]) {
                v *= nScalar
            }
        default:
            // Python's precedence: (never and (so or this)) or (so or this), as in the reference.
            if (w[i - 3] == "never" && (w[i - 2] == "so" || w[i - 2] == "this")) || (w[i - 1] == "so" || w[i - 1] == "this") {
                v *= 1.25
            } else if w[i - 3] == "without" && (w[i - 2] == "doubt" || w[i - 1] == "doubt") {
            } else if negated(w[i - 3]) {
                v *= nScalar
            }
        }
        return v
    }

    static func idiomsCheck(_ valence: Double, _ w: [String], _ i: Int) -> Double {
        var v = valence
        let onezero = "\(w[i - 1]) \(w[i])", twoonezero = "\(w[i - 2]) \(w[i - 1]) \(w[i])", twoone = "\(w[i - 2]) \(w[i - 1])"
        let threetwoone = "\(w[i - 3]) \(w[i - 2]) \(w[i - 1])", threetwo = "\(w[i - 3]) \(w[i - 2])"
        for seq in [onezero, twoonezero, twoone, threetwoone, threetwo] {
            if let s = specialCases[seq] {
                v = s
                break
            }
        }
        if w.count - 1 > i, let s = specialCases["\(w[i]) \(w[i + 1])"] { v = s }
        if w.count - 1 > i + 1, let s = specialCases["\(w[i]) \(w[i + 1]) \(w[i + 2])"] { v = s }
        for gram in [threetwoone, threetwo, twoone] {
            if let b = booster[gram] { v += b }
        }
        return v
    }

    static func leastCheck(_ valence: Double, _ w: [String], _ i: Int) -> Double {
        if i > 1 && lexicon[w[i - 1]] == nil && w[i - 1] == "least" {
            if w[i - 2] != "at" && w[i - 2] != "very" { return valence * nScalar }
        } else if i > 0 && lexicon[w[i - 1]] == nil && w[i - 1] == "least" {
            return valence * nScalar
        }
        return valence
    }

    /// Softens sentiment before "but" and strengthens it after. The reference finds each value's
    /// position with `list.index`, i.e. the first equal value; that quirk is kept.
    static func butCheck(_ lower: [String], _ sentiments: inout [Double]) {
        guard let bi = lower.firstIndex(of: "but") else { return }
        for k in sentiments.indices {
            let s = sentiments[k]
            // `s` was read from `sentiments` just above, so the search finds it (at `k` or before).
            let si = sentiments.firstIndex(of: s) ?? k
            if si < bi { sentiments[si] = s * 0.5 } else if si > bi { sentiments[si] = s * 1.5 }
        }
    }

    /// The polarity of the words' sentiments, amplified by the text's count of "!" and "?".
    static func score<S: Collection<Double>>(_ sentiments: S, bangs: Int, questions qmCount: Int) -> Polarity {
        guard !sentiments.isEmpty else { return Polarity(neg: 0, neu: 0, pos: 0, compound: 0) }
        var sum = sentiments.reduce(0, +)
        let ep = Double(min(bangs, 4)) * 0.292
        let qm = qmCount > 1 ? (qmCount <= 3 ? Double(qmCount) * 0.18 : 0.96) : 0
        let amplifier = ep + qm
        if sum > 0 { sum += amplifier } else if sum < 0 { sum -= amplifier }
        let compound = normalize(sum)
        var posSum = 0.0, negSum = 0.0, neuCount = 0.0
        for s in sentiments {
            if s > 0 { posSum += s + 1 }
            if s < 0 { negSum += s - 1 }
            if s == 0 { neuCount += 1 }
        }
        if posSum > abs(negSum) { posSum += amplifier } else if posSum < abs(negSum) { negSum -= amplifier }
        let total = posSum + abs(negSum) + neuCount
        return Polarity(neg: abs(negSum / total), neu: abs(neuCount / total), pos: abs(posSum / total), compound: compound)
    }
}
