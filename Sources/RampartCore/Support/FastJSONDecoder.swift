import Foundation

/// Decodes `Decodable` values from JSON several times faster than Foundation's `JSONDecoder`
/// (no dictionary per object, no coding-path bookkeeping), for the hot paths: a day-long run
/// file is a million lines. It only ever says yes when Foundation would say the same thing:
/// whatever it is unsure of (an escaped key, a duplicate key, a number that is not a plain
/// integer where an `Int` is wanted, an out-of-range double, a type it does not know, any
/// error at all) makes `decode` return nil, and the caller decodes with Foundation, which gives
/// the value or the error message users see. Tests hold the two to the same values.
public enum FastJSONDecoder {
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) -> T? {
        guard let tape = JSONTape.parse(bytes) else { return nil }
        return try? tape.decode(T.self, at: 0)
    }

    /// Thrown for anything left to Foundation; never seen outside this file.
    struct Unsure: Error {}
}

private final class TapeDecoder: Decoder {
    let tape: JSONTape
    let index: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(tape: JSONTape, index: Int) {
        self.tape = tape
        self.index = index
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(try TapeKeyedContainer<Key>(tape: tape, object: index))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try TapeUnkeyedContainer(tape: tape, array: index)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        TapeSingleValue(tape: tape, index: index)
    }
}

/// The scalar rules shared by the three containers.
extension JSONTape {
    func isNull(_ i: Int) -> Bool { tokens[i].kind == .null }

    func bool(_ i: Int) throws -> Bool {
        switch tokens[i].kind {
        case .trueValue: return true
        case .falseValue: return false
        default: throw FastJSONDecoder.Unsure()
        }
    }

    func string(_ i: Int) throws -> String {
        let t = tokens[i]
        if t.kind == .escapedString, let s = unescaped(slice(t)) { return s }
        guard t.kind == .string, let s = String.exactly(utf8: slice(t)) else { throw FastJSONDecoder.Unsure() }
        return s
    }

    /// JSON's escapes; nil for a lone surrogate or anything else Foundation would refuse.
    func unescaped(_ s: UnsafeRawBufferPointer) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        func hex(_ k: Int) -> UInt32? {
            guard k + 4 <= s.count else { return nil }
            var v: UInt32 = 0
            for b in s[k..<k + 4] {
                let d: UInt8
                switch b {
                case 0x30...0x39: d = b - 0x30
                case 0x41...0x46: d = b - 0x41 + 10
                case 0x61...0x66: d = b - 0x61 + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        var k = 0
        while k < s.count {
            let b = s[k]
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                k += 1
                continue
            }
            guard k + 1 < s.count else { return nil }
            switch s[k + 1] {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                guard var scalar = hex(k + 2) else { return nil }
                if (0xD800..<0xDC00).contains(scalar) {
                    guard k + 7 < s.count, s[k + 6] == UInt8(ascii: "\\"), s[k + 7] == UInt8(ascii: "u"), let low = hex(k + 8),
                        (0xDC00..<0xE000).contains(low)
                    else { return nil }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
                }
                guard let u = Unicode.Scalar(scalar) else { return nil }
                UTF8.encode(u) { out.append($0) }
                k += 6
                continue
            default: return nil
            }
            k += 2
        }
        return out.withUnsafeBytes { String.exactly(utf8: $0) }
    }

    /// A plain integer (optional minus, digits) that fits; anything else is Foundation's call.
    func int(_ i: Int) throws -> Int { try integer(i, as: Int.self) }

    func integer<T: FixedWidthInteger>(_ i: Int, as type: T.Type) throws -> T {
        let t = tokens[i]
        guard t.kind == .number else { throw FastJSONDecoder.Unsure() }
        let s = slice(t)
        let negative = s[0] == UInt8(ascii: "-")
        var k = negative ? 1 : 0
        var v: T = 0
        while k < s.count {
            let d = s[k] &- 0x30
            guard d <= 9 else { throw FastJSONDecoder.Unsure() }
            let (times, o1) = v.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times.subtractingReportingOverflow(T(d)) : times.addingReportingOverflow(T(d))
            guard !o1, !o2 else { throw FastJSONDecoder.Unsure() }
            v = next
            k += 1
        }
        return v
    }

    /// Correctly rounded, as Foundation's (both parse the full decimal text); a value beyond
    /// Double's range is Foundation's to refuse.
    func double(_ i: Int) throws -> Double {
        let t = tokens[i]
        guard t.kind == .number else { throw FastJSONDecoder.Unsure() }
        let s = slice(t)
        // A short plain integer is exact: no text conversion needed.
        if s.count <= 15, !s.contains(where: { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            let v = try int(i)
            if v != 0 || s[0] != UInt8(ascii: "-") { return Double(v) }  // "-0" is -0.0, below
        }
        guard let v = Double(String(decoding: s, as: UTF8.self)), v.isFinite else { throw FastJSONDecoder.Unsure() }
        // A value too small for Double (1e-400) became zero: Foundation's call whether that is an error.
        // (Only the mantissa's digits count: "0e-5" is a true zero.)
        if v == 0,
            s.prefix(while: { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }).contains(where: {
                $0 >= UInt8(ascii: "1") && $0 <= UInt8(ascii: "9")
            })
        {
            throw FastJSONDecoder.Unsure()
        }
        return v
    }

    func decode<T: Decodable>(_ type: T.Type, at i: Int) throws -> T {
        // The casts are between a type and itself (checked on the left): `unsafeBitCast`
        // instead of `as!`, whose runtime check was a tenth of decoding a run file.
        if T.self == Double.self { return unsafeBitCast(try double(i), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try int(i), to: T.self) }
        if T.self == String.self { return unsafeBitCast(try string(i), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try bool(i), to: T.self) }
        if T.self == UInt64.self { return unsafeBitCast(try integer(i, as: UInt64.self), to: T.self) }
        // A run file's most frequent records, by hand (see `CanaryEvents+Tape.swift`).
        if T.self == RunEvent.self { return unsafeBitCast(try RunEvent(tape: self, at: i), to: T.self) }
        if T.self == MetricsSnapshot.self { return unsafeBitCast(try MetricsSnapshot(tape: self, at: i), to: T.self) }
        if T.self == ArmMetrics.self { return unsafeBitCast(try ArmMetrics(tape: self, at: i), to: T.self) }
        if T.self == CanaryAnalysis.self { return unsafeBitCast(try CanaryAnalysis(tape: self, at: i), to: T.self) }
        return try decodeThroughProtocol(type, at: i)
    }

    /// `T`'s own `init(from:)`, over the tape.
    func decodeThroughProtocol<T: Decodable>(_ type: T.Type, at i: Int) throws -> T {
        try T(from: TapeDecoder(tape: self, index: i))
    }
}

private struct TapeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let tape: JSONTape
    let object: Int
    var codingPath: [any CodingKey] { [] }

    /// An escaped key could equal another once unescaped: such an object is Foundation's.
    init(tape: JSONTape, object: Int) throws {
        guard tape.tokens[object].kind == .object else { throw FastJSONDecoder.Unsure() }
        let end = Int(tape.tokens[object].next)
        var i = object + 1
        while i < end {
            guard tape.tokens[i].kind == .string else { throw FastJSONDecoder.Unsure() }
            i = Int(tape.tokens[i + 1].next)
        }
        self.tape = tape
        self.object = object
    }

    /// The value's token index for `key`; nil when absent. A key found twice is Foundation's
    /// call (first or last?): `Unsure`.
    func find(_ key: Key) throws -> Int? {
        var name = key.stringValue
        return try name.withUTF8 { wanted in
            guard let first = wanted.first else { throw FastJSONDecoder.Unsure() }
            let end = Int(tape.tokens[object].next)
            var found: Int?
            var i = object + 1
            while i < end {
                let t = tape.tokens[i]
                // Length and first byte rule out most members without a call to memcmp.
                if Int(t.end - t.start) == wanted.count, tape.bytes[Int(t.start)] == first,
                    memcmp(tape.bytes.baseAddress! + Int(t.start), wanted.baseAddress!, wanted.count) == 0
                {
                    if found != nil { throw FastJSONDecoder.Unsure() }
                    found = i + 1
                }
                i = Int(tape.tokens[i + 1].next)
            }
            return found
        }
    }

    func value(_ key: Key) throws -> Int {
        guard let i = try find(key) else { throw FastJSONDecoder.Unsure() }
        return i
    }

    /// Only where every key is plain and appears once (else no keys: the decode then fails
    /// and Foundation's is used).
    var allKeys: [Key] {
        var keys: [Key] = []
        let end = Int(tape.tokens[object].next)
        var names: Set<String> = []
        var i = object + 1
        while i < end {
            guard tape.tokens[i].kind == .string, let name = try? tape.string(i), names.insert(name).inserted else { return [] }
            if let key = Key(stringValue: name) { keys.append(key) }
            i = Int(tape.tokens[i + 1].next)
        }
        return keys
    }

    func contains(_ key: Key) -> Bool {
        do { return try find(key) != nil } catch { return true }  // found twice: present all the same
    }

    func decodeNil(forKey key: Key) throws -> Bool { tape.isNull(try value(key)) }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try tape.bool(try value(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try tape.string(try value(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try tape.double(try value(key)) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try tape.int(try value(key)) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try tape.decode(type, at: try value(key)) }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(key).map { try tape.bool($0) } }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(key).map { try tape.string($0) } }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(key).map { try tape.double($0) } }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(key).map { try tape.int($0) } }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try present(key).map { try tape.decode(type, at: $0) }
    }

    /// Absent or null: nil, as Foundation's `decodeIfPresent`.
    private func present(_ key: Key) throws -> Int? {
        guard let i = try find(key), !tape.isNull(i) else { return nil }
        return i
    }

    // Float: Foundation's (whether it rounds through Double is its own business).
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw FastJSONDecoder.Unsure() }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try tape.integer(try value(key), as: type) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try tape.integer(try value(key), as: type) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try tape.integer(try value(key), as: type) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try tape.integer(try value(key), as: type) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try tape.integer(try value(key), as: type) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try tape.integer(try value(key), as: type) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try tape.integer(try value(key), as: type) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try tape.integer(try value(key), as: type) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try tape.integer(try value(key), as: type) }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(try TapeKeyedContainer<NestedKey>(tape: tape, object: try value(key)))
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TapeUnkeyedContainer(tape: tape, array: try value(key))
    }

    func superDecoder() throws -> any Decoder { throw FastJSONDecoder.Unsure() }
    func superDecoder(forKey key: Key) throws -> any Decoder { throw FastJSONDecoder.Unsure() }
}

private struct TapeUnkeyedContainer: UnkeyedDecodingContainer {
    let tape: JSONTape
    let end: Int
    var position: Int
    var count: Int?
    var currentIndex = 0
    var codingPath: [any CodingKey] { [] }
    var isAtEnd: Bool { position >= end }

    init(tape: JSONTape, array: Int) throws {
        let t = tape.tokens[array]
        guard t.kind == .array else { throw FastJSONDecoder.Unsure() }
        self.tape = tape
        end = Int(t.next)
        position = array + 1
        count = Int(t.count)
    }

    private mutating func advance() throws -> Int {
        guard !isAtEnd else { throw FastJSONDecoder.Unsure() }
        let i = position
        position = Int(tape.tokens[i].next)
        currentIndex += 1
        return i
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw FastJSONDecoder.Unsure() }
        guard tape.isNull(position) else { return false }
        _ = try advance()
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try tape.bool(try advance()) }
    mutating func decode(_ type: String.Type) throws -> String { try tape.string(try advance()) }
    mutating func decode(_ type: Double.Type) throws -> Double { try tape.double(try advance()) }
    mutating func decode(_ type: Int.Type) throws -> Int { try tape.int(try advance()) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try tape.decode(type, at: try advance()) }

    mutating func decode(_ type: Float.Type) throws -> Float { throw FastJSONDecoder.Unsure() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try tape.integer(try advance(), as: type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try tape.integer(try advance(), as: type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        KeyedDecodingContainer(try TapeKeyedContainer<NestedKey>(tape: tape, object: try advance()))
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try TapeUnkeyedContainer(tape: tape, array: try advance())
    }

    mutating func superDecoder() throws -> any Decoder { throw FastJSONDecoder.Unsure() }
}

private struct TapeSingleValue: SingleValueDecodingContainer {
    let tape: JSONTape
    let index: Int
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { tape.isNull(index) }
    func decode(_ type: Bool.Type) throws -> Bool { try tape.bool(index) }
    func decode(_ type: String.Type) throws -> String { try tape.string(index) }
    func decode(_ type: Double.Type) throws -> Double { try tape.double(index) }
    func decode(_ type: Int.Type) throws -> Int { try tape.int(index) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try tape.decode(type, at: index) }

    func decode(_ type: Float.Type) throws -> Float { throw FastJSONDecoder.Unsure() }
    func decode(_ type: Int8.Type) throws -> Int8 { try tape.integer(index, as: type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try tape.integer(index, as: type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try tape.integer(index, as: type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try tape.integer(index, as: type) }
    func decode(_ type: UInt.Type) throws -> UInt { try tape.integer(index, as: type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try tape.integer(index, as: type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try tape.integer(index, as: type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try tape.integer(index, as: type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try tape.integer(index, as: type) }
}

extension String {
    /// The text `bytes` hold when they are valid UTF-8, nil when they are not: what
    /// `String(validating:as:)` answers, several times faster on the short texts of JSON. Decoding
    /// repairs invalid bytes with U+FFFD, so the bytes come back unchanged exactly when they were
    /// valid.
    static func exactly(utf8 bytes: UnsafeRawBufferPointer) -> String? {
        var text = String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        let same = text.withUTF8 { $0.count == bytes.count && (bytes.isEmpty || memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0) }
        return same ? text : nil
    }
}
