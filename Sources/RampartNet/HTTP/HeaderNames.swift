import Glibc
import RampartCore

/// Header names compared as HTTP does, ignoring ASCII case, without allocating lowercased copies
/// (the proxy looks several up per request).
func sameHeaderName(_ a: String, _ b: String) -> Bool {
    var a = a, b = b
    return a.withUTF8 { x in b.withUTF8 { y in HeaderNames.equal(x, y) } }
}

/// Header names as bytes: comparisons ignoring ASCII case, and sets of names a header can be
/// looked up in without building a string for it.
enum HeaderNames {
    @inline(__always) static func folded(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    /// Whether two names are equal ignoring ASCII case.
    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        for k in 0..<a.count where folded(a[k]) != folded(b[k]) { return false }
        return true
    }

    static func equal(_ a: UnsafeBufferPointer<UInt8>, _ b: String) -> Bool {
        var b = b
        return b.withUTF8 { equal(a, $0) }
    }

    /// Whether `bytes[range]` is `lowercase` ignoring ASCII case.
    static func equal(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ lowercase: StaticString) -> Bool {
        guard range.count == lowercase.utf8CodeUnitCount else { return false }
        let literal = lowercase.utf8Start
        for k in 0..<range.count where folded(bytes[range.lowerBound + k]) != literal[k] { return false }
        return true
    }
}

/// A set of header names, asked by a name's bytes, ignoring case.
struct HeaderNameSet: Sendable {
    private let names: [[UInt8]]
    /// Bit n is set when some name is n bytes long: most names are ruled out by length alone.
    private let lengths: UInt64

    init(_ names: some Sequence<String>) {
        let lowered = names.map { Array($0.lowercased().utf8) }
        self.names = lowered
        lengths = lowered.reduce(0) { $0 | ($1.count < 64 ? 1 << UInt64($1.count) : 0) }
    }

    func contains(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        guard name.count >= 64 || lengths & (1 << UInt64(name.count)) != 0 else { return false }
        for candidate in names where candidate.count == name.count {
            if candidate.withUnsafeBufferPointer({ HeaderNames.equal(name, $0) }) { return true }
        }
        return false
    }

    func contains(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { contains($0) }
    }

    /// What the proxy drops from every message it passes on: headers about one connection, and
    /// the length (it frames each body itself).
    static let connectionAndLength = HeaderNameSet(ProxyHeaderRules.hopByHop.union(["content-length"]))
}
