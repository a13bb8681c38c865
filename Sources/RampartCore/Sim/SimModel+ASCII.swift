/// `perturb` and `adjustLength` over the bytes of ASCII text: every simulated answer of a golden
/// item goes through both, and splitting the reference into `Character`s and joining `String`s
/// was half of `rampart simulate`. The same words (split at U+0020, empty ones dropped), the
/// same random draws in the same order, the same text (`SimModelASCIITests`). Nil, with nothing
/// drawn, for text outside ASCII, which takes the general path.
extension SimModel {
    /// A word of the answer, by where its bytes are.
    private enum Word {
        case text(Range<Int>)
        case filler(Int)
        case padding(Int, Range<Int>)
    }

    private static let fillerBytes: [[UInt8]] = fillerWords.map { Array($0.utf8) }
    private static let paddingBytes: [[UInt8]] = padding.map { Array($0.utf8) }
    private static let paddingIsASCII = padding.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }

    /// The words of `bytes`, split at spaces, empty ones dropped.
    private static func forEachWord(_ bytes: UnsafeBufferPointer<UInt8>, _ body: (Range<Int>) -> Void) {
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x20 {
                i += 1
                continue
            }
            let start = i
            while i < bytes.count && bytes[i] != 0x20 { i += 1 }
            body(start..<i)
        }
    }

    private static func join(_ words: ArraySlice<Word>, text: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.count + 8 * words.count)
        for (k, w) in words.enumerated() {
            if k > 0 { out.append(0x20) }
            switch w {
            case .text(let range): out.append(contentsOf: UnsafeBufferPointer(rebasing: text[range]))
            case .filler(let k): out.append(contentsOf: fillerBytes[k])
            case .padding(let k, let range): out.append(contentsOf: paddingBytes[k][range])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func perturbASCII(_ reference: String, rng: inout SeededRandom) -> String? {
        var reference = reference
        return reference.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            var words: [Word] = []
            Self.forEachWord(bytes) { range in
                if rng.chance(profile.drop) { return }
                words.append(rng.chance(profile.substitute) ? .filler(rng.index(below: SimModel.fillerWords.count)) : .text(range))
            }
            if words.count > 1 {
                for i in 0..<(words.count - 1) where rng.chance(profile.swap) {
                    words.swapAt(i, i + 1)
                }
            }
            return Self.join(words[...], text: bytes)
        }
    }

    func adjustLengthASCII(_ text: String, rng: inout SeededRandom) -> String? {
        let v = profile.verbosity
        if abs(v - 1) < 0.01 { return text }
        guard Self.paddingIsASCII else { return nil }
        var text = text
        return text.withUTF8 { bytes -> String? in
            guard bytes.allSatisfy({ $0 < 0x80 }) else { return nil }
            var words: [Word] = []
            Self.forEachWord(bytes) { words.append(.text($0)) }
            let target = max(1, Int((Double(words.count) * v).rounded()))
            if target < words.count { return Self.join(words.prefix(target), text: bytes) }
            while words.count < target {
                let k = rng.index(below: SimModel.padding.count)
                Self.paddingBytes[k].withUnsafeBufferPointer { phrase in
                    Self.forEachWord(phrase) { words.append(.padding(k, $0)) }
                }
            }
            return Self.join(words.prefix(target), text: bytes)
        }
    }
}
