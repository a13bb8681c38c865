/// One JSON text parsed into a flat list of tokens over its bytes (no values copied, no
/// dictionaries): the first half of `FastJSONDecoder`. Strict RFC 8259; anything it does not
/// accept makes `parse` return nil, and the caller falls back to Foundation's decoder, which
/// then gives the same value or its own error.
struct JSONTape {
    enum Kind: UInt8 {
        case object, array, string, escapedString, number, trueValue, falseValue, null
    }

    struct Token {
        var kind: Kind
        /// A scalar's bytes (a string's without its quotes); unused for containers.
        var start: Int32
        var end: Int32
        /// The index of the token after this value and everything inside it.
        var next: Int32
        /// Members of an object, elements of an array.
        var count: Int32
    }

    private(set) var tokens: [Token] = []
    let bytes: UnsafeRawBufferPointer

    /// Nil for anything but one well-formed JSON value (with optional white space around it),
    /// for texts over 2 GB, and for objects and arrays nested deeper than 64.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> JSONTape? {
        guard bytes.count < Int(Int32.max) else { return nil }
        var tape = JSONTape(bytes: bytes)
        tape.tokens.reserveCapacity(64)
        var i = 0
        guard tape.value(&i, depth: 0) else { return nil }
        tape.skipSpace(&i)
        return i == bytes.count ? tape : nil
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private func skipSpace(_ i: inout Int) {
        while i < bytes.count {
            let b = bytes[i]
            guard b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 else { return }
            i += 1
        }
    }

    private mutating func value(_ i: inout Int, depth: Int) -> Bool {
        skipSpace(&i)
        guard i < bytes.count, depth < 64 else { return false }
        switch bytes[i] {
        case UInt8(ascii: "{"): return container(&i, depth: depth, kind: .object, close: UInt8(ascii: "}"))
        case UInt8(ascii: "["): return container(&i, depth: depth, kind: .array, close: UInt8(ascii: "]"))
        case UInt8(ascii: "\""): return string(&i)
        case UInt8(ascii: "t"): return literal(&i, "true", .trueValue)
        case UInt8(ascii: "f"): return literal(&i, "false", .falseValue)
        case UInt8(ascii: "n"): return literal(&i, "null", .null)
        default: return number(&i)
        }
    }

    private mutating func container(_ i: inout Int, depth: Int, kind: Kind, close: UInt8) -> Bool {
        let at = tokens.count
        tokens.append(Token(kind: kind, start: Int32(i), end: 0, next: 0, count: 0))
        i += 1
        skipSpace(&i)
        var count: Int32 = 0
        if i < bytes.count && bytes[i] == close {
            i += 1
        } else {
            while true {
                if kind == .object {
                    skipSpace(&i)
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\""), string(&i) else { return false }
                    skipSpace(&i)
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                }
                guard value(&i, depth: depth + 1) else { return false }
                count += 1
                skipSpace(&i)
                guard i < bytes.count else { return false }
                if bytes[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard bytes[i] == close else { return false }
                i += 1
                break
            }
        }
        tokens[at].end = Int32(i)
        tokens[at].count = count
        tokens[at].next = Int32(tokens.count)
        return true
    }

    private mutating func string(_ i: inout Int) -> Bool {
        let start = i + 1
        var j = start
        var escaped = false
        while j < bytes.count {
            // Eight plain bytes at a time (no quote, backslash or control byte); exact per byte
            // below once a word may hold one.
            if j + 8 <= bytes.count {
                let w = bytes.loadUnaligned(fromByteOffset: j, as: UInt64.self)
                let quote = w ^ 0x2222_2222_2222_2222, slash = w ^ 0x5C5C_5C5C_5C5C_5C5C
                let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
                let special = ((quote &- ones) & ~quote) | ((slash &- ones) & ~slash) | ((w &- 0x2020_2020_2020_2020) & ~w)
                if special & highs == 0 {
                    j += 8
                    continue
                }
            }
            let b = bytes[j]
            if b == UInt8(ascii: "\"") {
                // Every string's escapes are checked, read or not: Foundation refuses a text with
                // an invalid escape or a lone surrogate anywhere, so the tape must too.
                if escaped && unescaped(UnsafeRawBufferPointer(rebasing: bytes[start..<j])) == nil { return false }
                tokens.append(
                    Token(kind: escaped ? .escapedString : .string, start: Int32(start), end: Int32(j), next: Int32(tokens.count + 1), count: 0))
                i = j + 1
                return true
            }
            if b < 0x20 { return false }
            if b == UInt8(ascii: "\\") {
                escaped = true
                j += 2
                continue
            }
            j += 1
        }
        return false
    }

    private mutating func literal(_ i: inout Int, _ word: StaticString, _ kind: Kind) -> Bool {
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { return false }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { return false }
        tokens.append(Token(kind: kind, start: Int32(i), end: Int32(i + n), next: Int32(tokens.count + 1), count: 0))
        i += n
        return true
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number(_ i: inout Int) -> Bool {
        let start = i
        func digit(_ k: Int) -> Bool { k < bytes.count && bytes[k] >= 0x30 && bytes[k] <= 0x39 }
        var j = i
        if j < bytes.count && bytes[j] == UInt8(ascii: "-") { j += 1 }
        guard digit(j) else { return false }
        if bytes[j] == 0x30 {
            j += 1
        } else {
            while digit(j) { j += 1 }
        }
        if j < bytes.count && bytes[j] == UInt8(ascii: ".") {
            j += 1
            guard digit(j) else { return false }
            while digit(j) { j += 1 }
        }
        let exponent = j < bytes.count && (bytes[j] == UInt8(ascii: "e") || bytes[j] == UInt8(ascii: "E"))
        if exponent {
            j += 1
            if j < bytes.count && (bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-")) { j += 1 }
            guard digit(j) else { return false }
            while digit(j) { j += 1 }
        }
        tokens.append(Token(kind: .number, start: Int32(start), end: Int32(j), next: Int32(tokens.count + 1), count: 0))
        // Foundation refuses a number past Double's range (1e999, or 1e-400 that would become
        // zero) wherever it is, read or not; only an exponent or over 300 digits can get there.
        if exponent || j - start > 300, (try? double(tokens.count - 1)) == nil { return false }
        i = j
        return true
    }

    func slice(_ t: Token) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[Int(t.start)..<Int(t.end)])
    }
}
