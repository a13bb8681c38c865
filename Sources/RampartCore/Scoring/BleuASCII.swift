/// Sentence BLEU's counting over the UTF-8 bytes of ASCII text: sacrebleu's `13a` rules as a byte
/// pipeline, tokens interned into small integers through an open-addressing table, n-grams
/// counted in flat tables instead of dictionaries. The same counts as `Bleu.sentence`'s general
/// path, so the same `Bleu.compute` result; texts it does not handle (non-ASCII, or holding the
/// `\n`, `&` or `<` that 13a's replacements look for) go to the general path.
enum BleuASCII {
    static func sentence(_ hypothesis: String, references: [String]) -> Bleu.Result? {
        var interner = Interner(bytes: references.reduce(hypothesis.utf8.count) { $0 + $1.utf8.count })
        guard let hyp = interner.tokens(hypothesis) else { return nil }
        var refs: [[UInt64]] = []
        refs.reserveCapacity(references.count)
        for r in references {
            guard let ids = interner.tokens(r) else { return nil }
            refs.append(ids)
        }
        guard interner.count < 1 << 15 else { return nil }
        let lengths = refs.map(\.count)
        var maxRef = GramCounts(capacityFor: lengths.reduce(0, +))
        if refs.count == 1 {
            maxRef.add(refs[0])
        } else {
            for ref in refs {
                var one = GramCounts(capacityFor: ref.count)
                one.add(ref)
                one.forEach { key, count in maxRef.raise(key, to: count) }
            }
        }
        var counts = GramCounts(capacityFor: hyp.count)
        counts.add(hyp)
        var correct = [Int](repeating: 0, count: Bleu.maxOrder), total = [Int](repeating: 0, count: Bleu.maxOrder)
        counts.forEach { key, count in
            let order = Int(key >> 60)
            total[order - 1] += count
            correct[order - 1] += min(count, maxRef[key])
        }
        return Bleu.compute(correct: correct, total: total, sysLen: hyp.count, refLen: Bleu.closest(hyp.count, lengths))
    }

    /// Tokens of every text of one pair, as ids from 1 shared across them.
    struct Interner {
        /// The bytes of each distinct token, one after the other.
        var arena: [UInt8] = []
        var starts: [Int32] = []
        var lengths: [Int32] = []
        var hashes: [UInt64] = []
        /// Open addressing: index into the distinct tokens + 1, 0 for empty.
        var slots: [Int32]

        /// Room for the tokens of `bytes` bytes of text (at most one per two bytes), so nothing
        /// grows while a pair is counted.
        init(bytes: Int) {
            arena.reserveCapacity(bytes)
            starts.reserveCapacity(bytes / 2 + 1)
            lengths.reserveCapacity(bytes / 2 + 1)
            hashes.reserveCapacity(bytes / 2 + 1)
            var size = 16
            while size < bytes + 4 { size *= 2 }
            slots = [Int32](repeating: 0, count: size)
        }

        var count: Int { starts.count }

        /// The ids of `text`'s 13a tokens; nil when the general path must take it.
        mutating func tokens(_ text: String) -> [UInt64]? {
            let read: [UInt64]?? = text.utf8.withContiguousStorageIfAvailable { input -> [UInt64]? in
                // The rules only add spaces, and the split keeps no space: the tokens' bytes fit in
                // the input's count (plus nothing: the padding spaces are dropped too).
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: input.count + 16) { out in
                    var pipeline = Pipeline13a(out: out.baseAddress!)
                    pipeline.rule1(0x20)
                    for c in input {
                        // 13a's replacements (<skipped>, -\n, \n, &quot; …) and non-ASCII: the general path.
                        if c >= 0x80 || c == 0x0A || c == 0x26 || c == 0x3C { return nil }
                        pipeline.rule1(c)
                    }
                    pipeline.finish()
                    // Intern each piece of the output: its bytes live in `out` until we return.
                    var ids: [UInt64] = []
                    ids.reserveCapacity(pipeline.pieces.count)
                    for piece in pipeline.pieces {
                        ids.append(intern(UnsafeBufferPointer(start: out.baseAddress! + Int(piece.start), count: Int(piece.length)), piece.hash))
                    }
                    return ids
                }
            }
            guard let outer = read, let ids = outer else { return nil }
            return ids
        }

        /// A token of the pipeline's output: where its bytes are, and their FNV-1a hash.
        struct Piece {
            var start: Int32
            var length: Int32
            var hash: UInt64
        }

        /// The four 13a rules as a pipeline, byte by byte: rule 1 (`([\{-\~\[-\` -\&\(-\+\:-\@\/])`
        /// → " \1 ") feeds rule 2 (`([^0-9])([\.,])` → "\1 \2 "), which feeds rule 3
        /// (`([\.,])([^0-9])` → " \1 \2"), which feeds rule 4 (`([0-9])(-)` → "\1 \2 "), which
        /// feeds the split. Each pairwise rule holds back one byte and, after a match, starts afresh
        /// two bytes on: `re.sub`'s leftmost, non-overlapping scan.
        struct Pipeline13a {
            let out: UnsafeMutablePointer<UInt8>
            var written = 0
            var pieces: [Piece] = []
            var tokenStart = -1
            var hash: UInt64 = 0
            var p2 = -1, p3 = -1, p4 = -1

            init(out: UnsafeMutablePointer<UInt8>) {
                self.out = out
                pieces.reserveCapacity(64)
            }

            @inline(__always) mutating func split(_ c: UInt8) {
                if c == 0x20 || c == 0x09 || (c >= 0x0A && c <= 0x0D) {
                    if tokenStart >= 0 {
                        pieces.append(Piece(start: Int32(tokenStart), length: Int32(written - tokenStart), hash: hash))
                        tokenStart = -1
                    }
                } else {
                    if tokenStart < 0 {
                        tokenStart = written
                        hash = 0xcbf2_9ce4_8422_2325
                    }
                    out[written] = c
                    written += 1
                    hash = (hash ^ UInt64(c)) &* 0x100_0000_01b3
                }
            }

            @inline(__always) mutating func rule4(_ c: UInt8) {
                if p4 >= 0 {
                    let x = UInt8(truncatingIfNeeded: p4)
                    p4 = -1
                    if isDigit(x) && c == 0x2D {
                        split(x)
                        split(0x20)
                        split(c)
                        split(0x20)
                        return
                    }
                    split(x)
                }
                p4 = Int(c)
            }

            @inline(__always) mutating func rule3(_ c: UInt8) {
                if p3 >= 0 {
                    let x = UInt8(truncatingIfNeeded: p3)
                    p3 = -1
                    if isPeriodOrComma(x) && !isDigit(c) {
                        rule4(0x20)
                        rule4(x)
                        rule4(0x20)
                        rule4(c)
                        return
                    }
                    rule4(x)
                }
                p3 = Int(c)
            }

            @inline(__always) mutating func rule2(_ c: UInt8) {
                if p2 >= 0 {
                    let x = UInt8(truncatingIfNeeded: p2)
                    p2 = -1
                    if !isDigit(x) && isPeriodOrComma(c) {
                        rule3(x)
                        rule3(0x20)
                        rule3(c)
                        rule3(0x20)
                        return
                    }
                    rule3(x)
                }
                p2 = Int(c)
            }

            @inline(__always) mutating func rule1(_ c: UInt8) {
                if spaced(c) {
                    rule2(0x20)
                    rule2(c)
                    rule2(0x20)
                } else {
                    rule2(c)
                }
            }

            mutating func finish() {
                rule1(0x20)
                if p2 >= 0 { rule3(UInt8(truncatingIfNeeded: p2)) }
                p2 = -1
                if p3 >= 0 { rule4(UInt8(truncatingIfNeeded: p3)) }
                p3 = -1
                if p4 >= 0 { split(UInt8(truncatingIfNeeded: p4)) }
                p4 = -1
                split(0x20)
            }

            @inline(__always) func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
            @inline(__always) func isPeriodOrComma(_ c: UInt8) -> Bool { c == 0x2E || c == 0x2C }
            /// Rule 1's class, `[\{-\~\[-\` -\&\(-\+\:-\@\/]`.
            @inline(__always) func spaced(_ c: UInt8) -> Bool {
                (c >= 0x7B && c <= 0x7E) || (c >= 0x5B && c <= 0x60) || (c >= 0x20 && c <= 0x26) || (c >= 0x28 && c <= 0x2B)
                    || (c >= 0x3A && c <= 0x40) || c == 0x2F
            }
        }

        /// The id of `bytes`, from 1, new tokens numbered in order of appearance.
        mutating func intern(_ bytes: UnsafeBufferPointer<UInt8>, _ hash: UInt64) -> UInt64 {
            if 2 * (count + 1) > slots.count { grow() }
            let mask = slots.count - 1
            var s = Int(truncatingIfNeeded: hash) & mask
            while slots[s] != 0 {
                let k = Int(slots[s]) - 1
                if hashes[k] == hash && Int(lengths[k]) == bytes.count
                    && arena[Int(starts[k])..<(Int(starts[k]) + bytes.count)].elementsEqual(bytes)
                {
                    return UInt64(k + 1)
                }
                s = (s + 1) & mask
            }
            starts.append(Int32(arena.count))
            lengths.append(Int32(bytes.count))
            hashes.append(hash)
            arena.append(contentsOf: bytes)
            slots[s] = Int32(count)
            return UInt64(count)
        }

        mutating func grow() {
            slots = [Int32](repeating: 0, count: slots.count * 2)
            let mask = slots.count - 1
            for k in 0..<count {
                var s = Int(truncatingIfNeeded: hashes[k]) & mask
                while slots[s] != 0 { s = (s + 1) & mask }
                slots[s] = Int32(k + 1)
            }
        }
    }

    /// n-gram counts, keys packed by `Bleu.key` (order in the top bits, 15 bits a token),
    /// in an open-addressing table; 0 is never a key (the order bits are set).
    struct GramCounts {
        struct Slot {
            var key: UInt64
            var count: Int32
        }
        var slots: [Slot]

        init(capacityFor tokens: Int) {
            var size = 16
            while size < 2 * Bleu.maxOrder * max(tokens, 1) { size *= 2 }
            slots = [Slot](repeating: Slot(key: 0, count: 0), count: size)
        }

        private func slot(_ key: UInt64) -> Int {
            let mask = slots.count - 1
            // Fibonacci hashing spreads the packed ids over the table.
            var s = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
            while slots[s].key != 0 && slots[s].key != key { s = (s + 1) & mask }
            return s
        }

        subscript(key: UInt64) -> Int {
            let s = slot(key)
            return slots[s].key == key ? Int(slots[s].count) : 0
        }

        mutating func add(_ tokens: [UInt64]) {
            for n in 1...Bleu.maxOrder where tokens.count >= n {
                for i in 0...(tokens.count - n) {
                    let key = Bleu.key(tokens, at: i, order: n)
                    let s = slot(key)
                    slots[s].key = key
                    slots[s].count += 1
                }
            }
        }

        mutating func raise(_ key: UInt64, to count: Int) {
            let s = slot(key)
            slots[s].key = key
            slots[s].count = max(slots[s].count, Int32(count))
        }

        func forEach(_ body: (UInt64, Int) -> Void) {
            for slot in slots where slot.key != 0 { body(slot.key, Int(slot.count)) }
        }
    }
}
