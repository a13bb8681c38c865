/// VADER over the UTF-8 bytes of ASCII text: the same rules as `Vader.general`, in the same
/// order, but each word is found once in a byte-keyed table that says everything the rules ask of
/// it (valence, booster, negation, which of the rules' few literal words it is) instead of as
/// five to seven `String`s and a dozen dictionary lookups hashed by `Character`. Tone gates and
/// `rampart score --metric vader` score every answer, so this is on their hot path.
///
/// ASCII text holds no emoji (checked when the table is built), splits on the same six white-space
/// bytes Swift's `Character` knows, and lowercases byte by byte, which is what makes the byte
/// rules equal to the general ones.
enum VaderASCII {
    /// What the rules ask of one word; a word not in the table has none of it.
    struct Entry {
        /// Mean valence, or NaN when the word is not in the lexicon.
        var valence = Double.nan
        /// Booster increment, or NaN when the word is not a (one-word) booster.
        var boost = Double.nan
        var negation = false
        /// One of the words of the special-case and booster phrases ("kiss of death").
        var inPhrase = false
        var literal = Literal.none
    }

    /// The words the rules compare literally.
    enum Literal: UInt8 {
        case none, no, kind, of, or, nor, never, so, this, without, doubt, least, at, very, but
    }

    /// One word: its bytes (case kept) and what the table says of its lowercase form.
    struct Word {
        var start: Int32
        var end: Int32
        /// Index in `Table.entries`, or −1.
        var entry: Int32
        var upper: Bool
        /// Contains "n't" (lowercase), the negation rule's second test.
        var hasNT: Bool
    }

    /// An open-addressing table from lowercase word bytes to entries, built once from the
    /// general path's own lexicon, boosters, negations and phrases.
    struct Table: Sendable {
        var entries: [Entry] = []
        var keys: [UInt8] = []
        var keyRanges: [(start: Int32, end: Int32)] = []
        var slots: [Int32]
        let mask: Int
        /// False when some emoji is an ASCII character, which the byte path does not replace.
        var usable = true

        /// Reads the lexicon's bytes directly (parsing it into `Vader.lexicon`'s `String`
        /// dictionary costs more than a short `rampart score` run); the few other words are added
        /// from the general path's own sets.
        init() {
            let lexicon = PackageResources.vader_lexicon_tsv
            // Room for every line and the other sets' few hundred words, at most half full.
            var size = 1
            while size < 2 * (lexicon.count { $0 == 0x0A } + 1_024) { size <<= 1 }
            slots = [Int32](repeating: -1, count: size)
            mask = size - 1
            lexicon.withUnsafeBufferPointer { text in
                var start = 0
                while start < text.count {
                    var end = start
                    while end < text.count && text[end] != 0x0A { end += 1 }
                    var tab = start
                    while tab < end && text[tab] != 0x09 { tab += 1 }
                    // As `Vader.lexicon`: the second column must read as a number; a later line wins.
                    if tab < end {
                        var column = tab + 1
                        while column < end && text[column] != 0x09 { column += 1 }
                        let value = Double(Substring(decoding: UnsafeBufferPointer(rebasing: text[(tab + 1)..<column]), as: UTF8.self))
                        if let value { update(UnsafeBufferPointer(rebasing: text[start..<tab])) { $0.valence = value } }
                    }
                    start = end + 1
                }
            }
            for (w, b) in Vader.booster where !w.contains(" ") { update(w) { $0.boost = b } }
            for w in Vader.negate { update(w) { $0.negation = true } }
            for phrase in Array(Vader.specialCases.keys) + Vader.booster.keys.filter({ $0.contains(" ") }) {
                for w in phrase.split(separator: " ") { update(String(w)) { $0.inPhrase = true } }
            }
            let literals: [(String, Literal)] = [
                ("no", .no), ("kind", .kind), ("of", .of), ("or", .or), ("nor", .nor), ("never", .never), ("so", .so),
                ("this", .this), ("without", .without), ("doubt", .doubt), ("least", .least), ("at", .at), ("very", .very),
                ("but", .but),
            ]
            for (w, l) in literals { update(w) { $0.literal = l } }
            // An emoji the general path replaces: a line of the emoji file whose key is one ASCII byte.
            let emoji = PackageResources.vader_emoji_tsv
            var lineStart = 0
            for (k, b) in emoji.enumerated() where b == 0x0A || k == emoji.count - 1 {
                if k - lineStart >= 2, emoji[lineStart] < 0x80, emoji[lineStart + 1] == 0x09 { usable = false }
                lineStart = k + 1
            }
        }

        private mutating func update(_ word: String, _ change: (inout Entry) -> Void) {
            var word = word
            word.withUTF8 { update($0, change) }
        }

        /// Changes the entry of `word`, adding it first if need be. Words outside ASCII are never
        /// asked for, so they are left out.
        private mutating func update(_ word: UnsafeBufferPointer<UInt8>, _ change: (inout Entry) -> Void) {
            guard !word.contains(where: { $0 >= 0x80 }) else { return }
            let h = VaderASCII.hash(word)
            var index = find(word, hash: h)
            if index < 0 {
                index = Int32(entries.count)
                entries.append(Entry())
                let start = Int32(keys.count)
                keys.append(contentsOf: word)
                keyRanges.append((start, Int32(keys.count)))
                var slot = Int(truncatingIfNeeded: h) & mask
                while slots[slot] >= 0 { slot = (slot + 1) & mask }
                slots[slot] = index
            }
            change(&entries[Int(index)])
        }

        /// The entry of these lowercase bytes, or −1.
        func find(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int32 {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let index = slots[slot]
                if index < 0 { return -1 }
                let range = keyRanges[Int(index)]
                if Int(range.end - range.start) == bytes.count {
                    var same = true
                    for k in 0..<bytes.count where keys[Int(range.start) + k] != bytes[k] {
                        same = false
                        break
                    }
                    if same { return index }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    static let table = Table()

    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// Per byte: 0 other, 1 white space, 2 punctuation, 3 upper case, 4 lower case.
    private static let classes: [UInt8] = {
        var c = [UInt8](repeating: 0, count: 128)
        for b in [9, 10, 11, 12, 13, 32] { c[b] = 1 }
        for b in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".utf8 { c[Int(b)] = 2 }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { c[Int(b)] = 3 }
        for b in UInt8(ascii: "a")...UInt8(ascii: "z") { c[Int(b)] = 4 }
        return c
    }()

    /// The polarity of ASCII text; nil when it is not ASCII (or not contiguous UTF-8), for the
    /// general path.
    static func polarity(_ text: String) -> Vader.Polarity? {
        let table = Self.table
        guard table.usable else { return nil }
        let answer: Vader.Polarity?? = text.utf8.withContiguousStorageIfAvailable { input in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, input.count)) { lower in
                withUnsafeTemporaryAllocation(of: Word.self, capacity: input.count / 2 + 1) { words in
                    let count = classes.withUnsafeBufferPointer { split(input, lower: lower, words: words, table: table, classes: $0) }
                    guard let n = count else { return nil }
                    let words = UnsafeBufferPointer(rebasing: words[0..<n])
                    return withUnsafeTemporaryAllocation(of: Double.self, capacity: max(1, n)) { sentiments in
                        Rules(input: input, lower: UnsafeBufferPointer(lower), words: words, table: table)
                            .polarity(into: UnsafeMutableBufferPointer(rebasing: sentiments[0..<n]))
                    }
                }
            }
        }
        return answer ?? nil
    }

    /// Splits on white space, strips each token's punctuation as the general path does, lowers
    /// every byte into `lower` and finds each word in the table; nil at a byte outside ASCII.
    private static func split(
        _ input: UnsafeBufferPointer<UInt8>, lower: UnsafeMutableBufferPointer<UInt8>, words: UnsafeMutableBufferPointer<Word>,
        table: Table, classes: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        var n = 0
        var i = 0
        let count = input.count
        while i < count {
            let b = input[i]
            if b >= 0x80 { return nil }
            let c = classes[Int(b)]
            if c == 1 {
                lower[i] = b
                i += 1
                continue
            }
            let start = i
            while i < count {
                let b = input[i]
                if b >= 0x80 { return nil }
                let c = classes[Int(b)]
                if c == 1 { break }
                lower[i] = c == 3 ? b | 0x20 : b
                i += 1
            }
            var s = start, e = i
            while s < e, classes[Int(input[s])] == 2 { s += 1 }
            while e > s, classes[Int(input[e - 1])] == 2 { e -= 1 }
            // An emoticon: stripping would leave two characters or fewer.
            if e - s <= 2 { (s, e) = (start, i) }
            var hasUpper = false, hasLower = false, hasNT = false
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for k in s..<e {
                let c = classes[Int(input[k])]
                if c == 3 { hasUpper = true } else if c == 4 { hasLower = true }
                h = (h ^ UInt64(lower[k])) &* 0x0000_0100_0000_01B3
                if k >= s + 2, lower[k] == 0x74, lower[k - 1] == 0x27, lower[k - 2] == 0x6E { hasNT = true }
            }
            let entry = table.find(UnsafeBufferPointer(rebasing: UnsafeBufferPointer(lower)[s..<e]), hash: h)
            words[n] = Word(start: Int32(s), end: Int32(e), entry: entry, upper: hasUpper && !hasLower, hasNT: hasNT)
            n += 1
        }
        return n
    }

    /// `Vader.general`'s rules over table entries; each function mirrors the one of the same
    /// name there.
    private struct Rules {
        let input: UnsafeBufferPointer<UInt8>
        let lower: UnsafeBufferPointer<UInt8>
        let words: UnsafeBufferPointer<Word>
        let table: Table

        func entry(_ i: Int) -> Entry? {
            let e = words[i].entry
            return e < 0 ? nil : table.entries[Int(e)]
        }
        func literal(_ i: Int) -> Literal { entry(i)?.literal ?? .none }
        func inLexicon(_ i: Int) -> Bool { !(entry(i)?.valence.isNaN ?? true) }
        func boost(_ i: Int) -> Double? {
            guard let b = entry(i)?.boost, !b.isNaN else { return nil }
            return b
        }
        func negated(_ i: Int) -> Bool { (entry(i)?.negation ?? false) || words[i].hasNT }

        func polarity(into sentiments: UnsafeMutableBufferPointer<Double>) -> Vader.Polarity {
            let n = words.count
            var allCaps = 0
            for w in words where w.upper { allCaps += 1 }
            let capDifferential = allCaps > 0 && allCaps < n
            for i in 0..<n {
                if boost(i) != nil || (i < n - 1 && literal(i) == .kind && literal(i + 1) == .of) {
                    sentiments[i] = 0
                    continue
                }
                sentiments[i] = valence(i, capDifferential: capDifferential)
            }
            butCheck(sentiments)
            var bangs = 0, questions = 0
            for b in input {
                if b == 0x21 { bangs += 1 } else if b == 0x3F { questions += 1 }
            }
            return Vader.score(UnsafeBufferPointer(sentiments), bangs: bangs, questions: questions)
        }

        func valence(_ i: Int, capDifferential: Bool) -> Double {
            guard let e = entry(i), !e.valence.isNaN else { return 0 }
            let base = e.valence
            var v = base
            let n = words.count
            if e.literal == .no, i != n - 1, inLexicon(i + 1) { v = 0 }
            if (i > 0 && literal(i - 1) == .no) || (i > 1 && literal(i - 2) == .no)
                || (i > 2 && literal(i - 3) == .no && (literal(i - 1) == .or || literal(i - 1) == .nor))
            {
                v = base * Vader.nScalar
            }
            if words[i].upper && capDifferential { v += v > 0 ? Vader.cIncr : -Vader.cIncr }
            for start in 0..<3 where i > start && !inLexicon(i - (start + 1)) {
                var s = scalarIncDec(i - (start + 1), valence: v, capDifferential: capDifferential)
                if start == 1 && s != 0 { s *= 0.95 }
                if start == 2 && s != 0 { s *= 0.9 }
                v += s
                v = negationCheck(v, start, i)
                if start == 2 { v = idiomsCheck(v, i) }
            }
            return leastCheck(v, i)
        }

        func scalarIncDec(_ j: Int, valence: Double, capDifferential: Bool) -> Double {
            guard var scalar = boost(j) else { return 0 }
            if valence < 0 { scalar *= -1 }
            if words[j].upper && capDifferential { scalar += valence > 0 ? Vader.cIncr : -Vader.cIncr }
            return scalar
        }

        func negationCheck(_ valence: Double, _ start: Int, _ i: Int) -> Double {
            var v = valence
            switch start {
            case 0:
                if negated(i - 1) { v *= Vader.nScalar }
            case 1:
                if literal(i - 2) == .never && (literal(i - 1) == .so || literal(i - 1) == .this) {
                    v *= 1.25
                } else if literal(i - 2) == .without && literal(i - 1) == .doubt {
                } else if negated(i - 2) {
                    v *= Vader.nScalar
                }
            default:
                let soOrThis1 = literal(i - 1) == .so || literal(i - 1) == .this
                if (literal(i - 3) == .never && (literal(i - 2) == .so || literal(i - 2) == .this)) || soOrThis1 {
                    v *= 1.25
                } else if literal(i - 3) == .without && (literal(i - 2) == .doubt || literal(i - 1) == .doubt) {
                } else if negated(i - 3) {
                    v *= Vader.nScalar
                }
            }
            return v
        }

        func inPhrase(_ i: Int) -> Bool { entry(i)?.inPhrase ?? false }

        /// The lowercase words `from...to` joined by spaces, when every one of them is a phrase
        /// word (otherwise no phrase can match, and no `String` is made).
        func phrase(_ from: Int, _ to: Int) -> String? {
            for k in from...to where !inPhrase(k) { return nil }
            var s = ""
            for k in from...to {
                if k > from { s += " " }
                s += String(decoding: UnsafeBufferPointer(rebasing: lower[Int(words[k].start)..<Int(words[k].end)]), as: UTF8.self)
            }
            return s
        }

        func idiomsCheck(_ valence: Double, _ i: Int) -> Double {
            var v = valence
            for (a, b) in [(i - 1, i), (i - 2, i), (i - 2, i - 1), (i - 3, i - 1), (i - 3, i - 2)] {
                if let p = phrase(a, b), let s = Vader.specialCases[p] {
                    v = s
                    break
                }
            }
            let n = words.count
            if n - 1 > i, let p = phrase(i, i + 1), let s = Vader.specialCases[p] { v = s }
            if n - 1 > i + 1, let p = phrase(i, i + 2), let s = Vader.specialCases[p] { v = s }
            for (a, b) in [(i - 3, i - 1), (i - 3, i - 2), (i - 2, i - 1)] {
                if let p = phrase(a, b), let boost = Vader.booster[p] { v += boost }
            }
            return v
        }

        func leastCheck(_ valence: Double, _ i: Int) -> Double {
            if i > 1 && !inLexicon(i - 1) && literal(i - 1) == .least {
                if literal(i - 2) != .at && literal(i - 2) != .very { return valence * Vader.nScalar }
            } else if i > 0 && !inLexicon(i - 1) && literal(i - 1) == .least {
                return valence * Vader.nScalar
            }
            return valence
        }

        func butCheck(_ sentiments: UnsafeMutableBufferPointer<Double>) {
            guard let bi = (0..<words.count).first(where: { literal($0) == .but }) else { return }
            for k in sentiments.indices {
                let s = sentiments[k]
                let si = sentiments.firstIndex(of: s) ?? k
                if si < bi { sentiments[si] = s * 0.5 } else if si > bi { sentiments[si] = s * 1.5 }
            }
        }
    }
}
