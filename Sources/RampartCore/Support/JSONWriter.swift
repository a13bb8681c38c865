/// Writes JSON bytes the way `RunFileCodec.encoder()` (Foundation's `JSONEncoder` with sorted
/// keys and unescaped slashes) writes them, without building a value tree per line: `rampart
/// score` writes one object per input line, and Foundation's encoder took a quarter of its time.
/// Tests hold every number and string to Foundation's bytes.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    public init() { bytes.reserveCapacity(1 << 17) }

    public mutating func removeAll() { bytes.removeAll(keepingCapacity: true) }

    public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    public mutating func byte(_ b: UInt8) { bytes.append(b) }

    /// Bytes already in JSON, such as `JSONEncoder`'s output.
    public mutating func append<C: Collection<UInt8>>(_ json: C) { bytes.append(contentsOf: json) }

    /// A finite double as Foundation writes it: Swift's shortest round-trip digits, without a
    /// trailing ".0". (Foundation refuses non-finite numbers; callers never pass them.)
    public mutating func number(_ v: Double) {
        var text = v.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    /// A string in quotes: `"` and `\` escaped, the short escapes for backspace, tab, line feed,
    /// form feed and carriage return, `\u00XX` for other control characters, everything else
    /// as its UTF-8 bytes.
    public mutating func string(_ s: String) {
        bytes.append(0x22)
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            bytes.append(contentsOf: s.utf8)
            bytes.append(0x22)
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x08: bytes.append(contentsOf: [0x5C, 0x62])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0C: bytes.append(contentsOf: [0x5C, 0x66])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0..<0x20:
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, Self.hex[Int(b >> 4)], Self.hex[Int(b & 15)]])
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }
}
