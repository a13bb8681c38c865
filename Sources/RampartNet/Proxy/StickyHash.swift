/// Sticky assignment: a user's id hashes to a fixed bucket in 0..<10 000, and the candidate takes
/// the buckets below weight × 100. Raising the weight only adds buckets, so a user who reached
/// the candidate stays there for the rest of the ramp.
public enum StickyHash {
    /// FNV-1a, 64-bit: stable across processes and releases, unlike `Hasher`.
    public static func fnv1a(_ s: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    public static func bucket(_ key: String) -> Int { Int(fnv1a(key) % 10_000) }

    public static func isCandidate(_ key: String, weight: Double) -> Bool {
        Double(bucket(key)) < weight * 100
    }
}
