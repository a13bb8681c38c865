/// ROUGE-L with rouge-score's tokenizer over the UTF-8 bytes of ASCII text: tokens (runs of
/// `[a-z0-9]` after lowercasing) become small integers, and the longest common subsequence runs
/// over those in scratch memory. The same numbers as `Rouge.l`'s general path; no `String` per
/// token and no heap allocation for texts of ordinary length.
enum RougeLASCII {
    /// The LCS length and both token counts; nil when either text is not ASCII (lowercasing
    /// other text can make ASCII letters, e.g. the Kelvin sign) or not contiguous UTF-8.
    static func lcs(_ candidate: String, _ reference: String) -> (lcs: Int, candidate: Int, reference: Int)? {
        let answer = candidate.utf8.withContiguousStorageIfAvailable { c in
            reference.utf8.withContiguousStorageIfAvailable { r -> (Int, Int, Int)? in
                let room = c.count + r.count
                return withUnsafeTemporaryAllocation(of: Int32.self, capacity: room / 2 + 2) { ids in
                    withUnsafeTemporaryAllocation(of: Token.self, capacity: room / 2 + 2) { distinct in
                        var known = 0
                        guard let nr = intern(r, isReference: true, ids: ids, from: 0, distinct: distinct, known: &known, reference: r, candidate: c)
                        else { return nil }
                        guard
                            let nc = intern(c, isReference: false, ids: ids, from: nr, distinct: distinct, known: &known, reference: r, candidate: c)
                        else { return nil }
                        if nr == 0 || nc == 0 { return (0, nc, nr) }
                        let target = UnsafeMutableBufferPointer(rebasing: ids[0..<nr])
                        let prediction = UnsafeMutableBufferPointer(rebasing: ids[nr..<(nr + nc)])
                        return (longest(target, prediction), nc, nr)
                    }
                }
            }
        }
        // Not contiguous (either text), or not ASCII.
        guard let outer = answer, let inner = outer, let found = inner else { return nil }
        return (found.0, found.1, found.2)
    }

    /// A distinct token: where its bytes are (which text, start, length) and their hash.
    struct Token {
        var inReference: Bool
        var start: Int32
        var length: Int32
        var hash: UInt64
    }

    /// Writes the ids of `input`'s tokens from `ids[first]` on, adding new tokens to `distinct`;
    /// returns how many, or nil at a byte outside ASCII.
    private static func intern(
        _ input: UnsafeBufferPointer<UInt8>, isReference: Bool, ids: UnsafeMutableBufferPointer<Int32>, from first: Int,
        distinct: UnsafeMutableBufferPointer<Token>, known: inout Int, reference r: UnsafeBufferPointer<UInt8>,
        candidate c: UnsafeBufferPointer<UInt8>
    ) -> Int? {
        var n = first
        var start = -1
        var hash: UInt64 = 0
        func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
        func bytes(_ t: Token) -> UnsafeBufferPointer<UInt8> { t.inReference ? r : c }
        func finish(_ end: Int) {
            let length = end - start
            var id = -1
            for k in 0..<known where distinct[k].hash == hash && Int(distinct[k].length) == length {
                let other = bytes(distinct[k])
                var equal = true
                for i in 0..<length where lower(input[start + i]) != lower(other[Int(distinct[k].start) + i]) {
                    equal = false
                    break
                }
                if equal {
                    id = k
                    break
                }
            }
            if id < 0 {
                distinct[known] = Token(inReference: isReference, start: Int32(start), length: Int32(length), hash: hash)
                id = known
                known += 1
            }
            ids[n] = Int32(id)
            n += 1
            start = -1
        }
        for (i, b) in input.enumerated() {
            guard b < 0x80 else { return nil }
            let l = lower(b)
            if (l >= 0x61 && l <= 0x7A) || (l >= 0x30 && l <= 0x39) {
                if start < 0 {
                    start = i
                    hash = 0xcbf2_9ce4_8422_2325
                }
                hash = (hash ^ UInt64(l)) &* 0x100_0000_01b3
            } else if start >= 0 {
                finish(i)
            }
        }
        if start >= 0 { finish(input.count) }
        return n - first
    }

    /// The LCS length of two id sequences, two rows of the table at a time.
    private static func longest(_ target: UnsafeMutableBufferPointer<Int32>, _ prediction: UnsafeMutableBufferPointer<Int32>) -> Int {
        let m = prediction.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: 2 * (m + 1)) { rows in
            var previous = UnsafeMutableBufferPointer(rebasing: rows[0...m])
            var current = UnsafeMutableBufferPointer(rebasing: rows[(m + 1)...(2 * m + 1)])
            previous.initialize(repeating: 0)
            current.initialize(repeating: 0)
            for t in target {
                for j in 1...m {
                    current[j] = t == prediction[j - 1] ? previous[j - 1] + 1 : max(previous[j], current[j - 1])
                }
                swap(&previous, &current)
            }
            return Int(previous[m])
        }
    }
}
