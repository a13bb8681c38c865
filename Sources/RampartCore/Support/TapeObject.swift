import Foundation

/// An object's members read straight off the tape, for the few types decoded hundreds of
/// thousands of times (a run file's metrics snapshots and analyses): through the `Decoder`
/// protocol each object costs generic container boxes and metadata lookups, more than its JSON.
/// The rules are `TapeKeyedContainer`'s, so the answer is always Foundation's or `Unsure`:
/// plain keys only, a key found twice is Foundation's call, absent or null reads as nil where a
/// value may be missing, and any type mismatch throws.
struct TapeObject {
    let tape: JSONTape
    /// Each member's key token, in the text's order.
    private var keys: [Int32] = []
    /// Where the next lookup starts: members are asked for in the order the encoder wrote them
    /// (sorted), so each is found at the first look.
    private var next = 0

    init(_ tape: JSONTape, at object: Int) throws {
        guard tape.tokens[object].kind == .object else { throw FastJSONDecoder.Unsure() }
        self.tape = tape
        keys.reserveCapacity(Int(tape.tokens[object].count))
        let end = Int(tape.tokens[object].next)
        var i = object + 1
        while i < end {
            let key = tape.tokens[i]
            guard key.kind == .string else { throw FastJSONDecoder.Unsure() }
            for other in keys where Self.same(tape, Int(other), i) { throw FastJSONDecoder.Unsure() }
            keys.append(Int32(i))
            i = Int(tape.tokens[i + 1].next)
        }
    }

    private static func same(_ tape: JSONTape, _ a: Int, _ b: Int) -> Bool {
        let x = tape.tokens[a], y = tape.tokens[b]
        let n = Int(x.end - x.start)
        return n == Int(y.end - y.start) && (n == 0 || memcmp(tape.bytes.baseAddress! + Int(x.start), tape.bytes.baseAddress! + Int(y.start), n) == 0)
    }

    /// The value token of `name`, or nil when there is no such member.
    mutating func member(_ name: StaticString) -> Int? {
        let count = keys.count
        for k in 0..<count {
            let m = (next + k) % count
            let t = tape.tokens[Int(keys[m])]
            if Int(t.end - t.start) == name.utf8CodeUnitCount,
                name.utf8CodeUnitCount == 0 || memcmp(tape.bytes.baseAddress! + Int(t.start), name.utf8Start, name.utf8CodeUnitCount) == 0
            {
                next = m + 1
                return Int(keys[m]) + 1
            }
        }
        return nil
    }

    mutating func required(_ name: StaticString) throws -> Int {
        guard let i = member(name) else { throw FastJSONDecoder.Unsure() }
        return i
    }

    /// Absent or null: nil, as Foundation's `decodeIfPresent`.
    mutating func optional(_ name: StaticString) -> Int? {
        guard let i = member(name), !tape.isNull(i) else { return nil }
        return i
    }

    mutating func int(_ name: StaticString) throws -> Int { try tape.int(try required(name)) }
    mutating func double(_ name: StaticString) throws -> Double { try tape.double(try required(name)) }
    mutating func string(_ name: StaticString) throws -> String { try tape.string(try required(name)) }
    mutating func intIfPresent(_ name: StaticString) throws -> Int? { try optional(name).map { try tape.int($0) } }
    mutating func doubleIfPresent(_ name: StaticString) throws -> Double? { try optional(name).map { try tape.double($0) } }
    mutating func stringIfPresent(_ name: StaticString) throws -> String? { try optional(name).map { try tape.string($0) } }
    mutating func boolIfPresent(_ name: StaticString) throws -> Bool? { try optional(name).map { try tape.bool($0) } }
    mutating func decode<T: Decodable>(_ type: T.Type, _ name: StaticString) throws -> T { try tape.decode(type, at: try required(name)) }
    mutating func decodeIfPresent<T: Decodable>(_ type: T.Type, _ name: StaticString) throws -> T? {
        try optional(name).map { try tape.decode(type, at: $0) }
    }
}
