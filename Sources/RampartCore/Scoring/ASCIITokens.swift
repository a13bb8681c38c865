/// The SQuAD-normalised tokens of ASCII text, the fast path of `TokenF1`. For ASCII input it is
/// exactly `TokenF1.normalize` then split (lowercase, ASCII punctuation dropped, split on the
/// white space Swift's `Character` knows, the words a/an/the dropped), computed over the UTF-8
/// bytes into scratch memory: no `String`, `Character` or dictionary per token, no heap
/// allocation for answers of ordinary length. Token F1 is computed for every simulated or
/// mirrored canary request, so this is on the hot path.
enum ASCIITokens {
    /// A token: its normalised bytes in the scratch buffer, and their FNV-1a hash.
    struct Token {
        var start: Int32
        var end: Int32
        var hash: UInt64
    }

    /// Per byte: 0 kept, 1 white space, 2 punctuation (dropped), 3 upper case (kept, lowered).
    private static let classes: [UInt8] = {
        var c = [UInt8](repeating: 0, count: 128)
        for b in [9, 10, 11, 12, 13, 32] { c[b] = 1 }
        for b in "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~".utf8 { c[Int(b)] = 2 }
        for b in UInt8(ascii: "A")...UInt8(ascii: "Z") { c[Int(b)] = 3 }
        return c
    }()

    /// Token F1 of two ASCII texts; nil when either is not ASCII (or not contiguous UTF-8), for
    /// the caller's general path.
    static func f1(_ prediction: String, _ reference: String) -> Double? {
        let answer: Double?? =
            prediction.utf8.withContiguousStorageIfAvailable { p in
                reference.utf8.withContiguousStorageIfAvailable { g -> Double? in
                    withScratch(p.count + g.count) { bytes, tokens in
                        guard let np = tokenize(p, into: bytes, at: 0, tokens: tokens, from: 0) else { return nil }
                        guard let ng = tokenize(g, into: bytes, at: p.count, tokens: tokens, from: np) else { return nil }
                        let same = overlap(
                            UnsafeMutableBufferPointer(rebasing: tokens[0..<np]), UnsafeMutableBufferPointer(rebasing: tokens[np..<(np + ng)]), bytes)
                        return TokenF1.f1(same: same, predicted: np, reference: ng)
                    }
                }
            } ?? nil
        return answer ?? nil
    }

    /// The best token F1 of a prediction against any of its references, all given as UTF-8
    /// bytes (`rampart score` reads them straight from its input line); nil when any is not
    /// ASCII. The prediction is tokenised once for all references.
    static func bestF1(_ prediction: UnsafeRawBufferPointer, _ references: [UnsafeRawBufferPointer]) -> Double? {
        let longest = references.reduce(0) { max($0, $1.count) }
        return withScratch(prediction.count + longest) { bytes, tokens -> Double? in
            guard let np = tokenize(prediction.assumingMemoryBound(to: UInt8.self), into: bytes, at: 0, tokens: tokens, from: 0) else { return nil }
            var best: Double?
            for reference in references {
                guard let ng = tokenize(reference.assumingMemoryBound(to: UInt8.self), into: bytes, at: prediction.count, tokens: tokens, from: np)
                else { return nil }
                let same = overlap(
                    UnsafeMutableBufferPointer(rebasing: tokens[0..<np]), UnsafeMutableBufferPointer(rebasing: tokens[np..<(np + ng)]), bytes)
                let f1 = TokenF1.f1(same: same, predicted: np, reference: ng)
                best = max(best ?? f1, f1)
            }
            return best ?? 0
        }
    }

    /// The normalised words of an ASCII text, for tests; nil when it is not ASCII.
    static func words(_ text: String) -> [String]? {
        text.utf8.withContiguousStorageIfAvailable { input in
            withScratch(input.count) { bytes, tokens -> [String]? in
                guard let n = tokenize(input, into: bytes, at: 0, tokens: tokens, from: 0) else { return nil }
                return tokens[0..<n].map { String(decoding: bytes[Int($0.start)..<Int($0.end)], as: UTF8.self) }
            }
        } ?? nil
    }

    /// Room for `count` input bytes: as many output bytes, and at most one token per two bytes
    /// plus one per text. On the stack when small, as `withUnsafeTemporaryAllocation` decides.
    private static func withScratch<R>(
        _ count: Int, _ body: (UnsafeMutableBufferPointer<UInt8>, UnsafeMutableBufferPointer<Token>) -> R
    ) -> R {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: max(1, count)) { bytes in
            withUnsafeTemporaryAllocation(of: Token.self, capacity: count / 2 + 2) { tokens in body(bytes, tokens) }
        }
    }

    /// Writes the tokens of `input` from `tokens[first]` on, their bytes from `bytes[offset]`
    /// on; returns how many, or nil at the first byte outside ASCII.
    private static func tokenize(
        _ input: UnsafeBufferPointer<UInt8>, into bytes: UnsafeMutableBufferPointer<UInt8>, at offset: Int,
        tokens: UnsafeMutableBufferPointer<Token>, from first: Int
    ) -> Int? {
        let basis: UInt64 = 0xcbf2_9ce4_8422_2325
        var n = first
        var out = offset
        var start = -1
        var hash = basis
        // Ends the token that started at `start`, unless it is an article.
        func finish() {
            let length = out - start
            if length <= 3 {
                let a = bytes[start]
                let article =
                    (length == 1 && a == 0x61) || (length == 2 && a == 0x61 && bytes[start + 1] == 0x6E)
                    || (length == 3 && a == 0x74 && bytes[start + 1] == 0x68 && bytes[start + 2] == 0x65)
                if article {
                    out = start
                    start = -1
                    return
                }
            }
            tokens[n] = Token(start: Int32(start), end: Int32(out), hash: hash)
            n += 1
            start = -1
        }
        return classes.withUnsafeBufferPointer { classes -> Int? in
            for b in input {
                guard b < 0x80 else { return nil }
                switch classes[Int(b)] {
                case 1:
                    if start >= 0 { finish() }
                case 2:
                    continue
                case 3:
                    if start < 0 {
                        start = out
                        hash = basis
                    }
                    bytes[out] = b | 0x20
                    out += 1
                    hash = (hash ^ UInt64(b | 0x20)) &* 0x100_0000_01b3
                default:
                    if start < 0 {
                        start = out
                        hash = basis
                    }
                    bytes[out] = b
                    out += 1
                    hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3
                }
            }
            if start >= 0 { finish() }
            return n - first
        }
    }

    private static func same(_ a: Token, _ b: Token, _ bytes: UnsafeMutableBufferPointer<UInt8>) -> Bool {
        guard a.hash == b.hash, a.end - a.start == b.end - b.start else { return false }
        var i = Int(a.start), j = Int(b.start)
        while i < Int(a.end) {
            if bytes[i] != bytes[j] { return false }
            i += 1
            j += 1
        }
        return true
    }

    /// How many tokens the two share, counted with multiplicity (SQuAD's `Counter & Counter`).
    /// Short answers compare hashes pairwise, marking matched reference tokens used; long ones
    /// go through a table keyed by hash, so the work stays linear in the tokens.
    private static func overlap(
        _ p: UnsafeMutableBufferPointer<Token>, _ g: UnsafeMutableBufferPointer<Token>, _ bytes: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        if p.count * g.count > 4_096 { return overlapByTable(p, g, bytes) }
        var same = 0
        for t in p {
            for j in g.indices where g[j].start >= 0 && Self.same(t, g[j], bytes) {
                g[j].start = -1
                same += 1
                break
            }
        }
        return same
    }

    private static func overlapByTable(
        _ p: UnsafeMutableBufferPointer<Token>, _ g: UnsafeMutableBufferPointer<Token>, _ bytes: UnsafeMutableBufferPointer<UInt8>
    ) -> Int {
        var unused: [UInt64: [Int]] = [:]
        unused.reserveCapacity(g.count)
        for j in g.indices.reversed() { unused[g[j].hash, default: []].append(j) }
        var same = 0
        for t in p {
            guard var candidates = unused[t.hash] else { continue }
            // Equal hashes are almost always equal tokens; the bytes decide.
            if let k = candidates.lastIndex(where: { Self.same(t, g[$0], bytes) }) {
                candidates.remove(at: k)
                unused[t.hash] = candidates
                same += 1
            }
        }
        return same
    }
}
