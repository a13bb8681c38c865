import Synchronization

/// A cell's grapheme as plain data: up to 15 UTF-8 bytes held inline, the count in the last
/// byte. A frame is 12,000 cells at 200×60 and is built, copied, compared and freed every
/// frame; with a `String` in each cell all of that went through reference counting and value
/// witnesses (a fifth of a frame). Graphemes longer than 15 bytes (emoji families, long
/// combining sequences) are interned once in a process-wide table and held by index, so equal
/// texts still compare equal by value.
@usableFromInline
struct Glyph: Hashable, Sendable {
    @usableFromInline var low: UInt64
    @usableFromInline var high: UInt64

    static let inlineCapacity = 15
    /// The count byte's value for an interned grapheme; `low` is then its index.
    static let internedMarker: UInt64 = 0xFF

    @inlinable init(low: UInt64, high: UInt64) {
        self.low = low
        self.high = high
    }

    static let space = Glyph(ascii: 0x20)
    /// The right half of a double-width grapheme.
    static let empty = Glyph(low: 0, high: 0)

    @inlinable init(ascii byte: UInt8) {
        low = UInt64(byte)
        high = 1 << 56
    }

    /// One Unicode scalar, which must be a whole grapheme by itself.
    init(scalar: Unicode.Scalar) {
        var low: UInt64 = 0
        var n: UInt64 = 0
        for unit in UTF8.encode(scalar)! {
            low |= UInt64(unit) << (8 * n)
            n += 1
        }
        self.init(low: low, high: n << 56)
    }

    init(_ text: some StringProtocol) {
        let utf8 = text.utf8
        let count = utf8.count
        if count > Self.inlineCapacity {
            self.init(low: UInt64(GlyphTable.shared.index(of: String(text))), high: Self.internedMarker << 56)
            return
        }
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (i, unit) in utf8.enumerated() {
            if i < 8 { low |= UInt64(unit) << (8 * UInt64(i)) } else { high |= UInt64(unit) << (8 * UInt64(i - 8)) }
        }
        self.init(low: low, high: high | UInt64(count) << 56)
    }

    init(_ character: Character) {
        self.init(String(character))
    }

    var isEmpty: Bool { high >> 56 == 0 }

    /// Appends the grapheme's UTF-8 bytes to `out`.
    func appendUTF8(to out: inout [UInt8]) {
        let count = high >> 56
        if count == Self.internedMarker {
            out.append(contentsOf: GlyphTable.shared.text(at: Int(low)).utf8)
            return
        }
        for i in 0..<count {
            out.append(UInt8(truncatingIfNeeded: i < 8 ? low >> (8 * i) : high >> (8 * (i - 8))))
        }
    }

    var string: String {
        if high >> 56 == Self.internedMarker { return GlyphTable.shared.text(at: Int(low)) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.inlineCapacity)
        appendUTF8(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The long graphemes seen so far, each once. It only grows, by the distinct long graphemes a
/// process draws (a handful), and is shared so screens made on any thread compare equal.
final class GlyphTable: Sendable {
    static let shared = GlyphTable()

    private let state = Mutex<(texts: [String], indices: [String: Int])>(([], [:]))

    func index(of text: String) -> Int {
        state.withLock { state in
            if let i = state.indices[text] { return i }
            state.texts.append(text)
            state.indices[text] = state.texts.count - 1
            return state.texts.count - 1
        }
    }

    func text(at index: Int) -> String {
        state.withLock { $0.texts[index] }
    }
}
