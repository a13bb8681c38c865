import Testing

@testable import RampartCore

/// The simulated model's byte paths give the same answer text, from the same random draws, as
/// its `Character` paths: `simulate` and every simulated canary depend on it (their recorded
/// results are compared run to run).
struct SimModelASCIITests {
    static let words = ["refund", "30", "days", "of", "purchase.", "Ship", "it's", "", "a", "x\ty", "\tz", "\r\n", "—"]

    static func text(_ rng: inout SeededRandom, ascii: Bool) -> String {
        let pool = ascii ? words.filter { $0.utf8.allSatisfy { $0 < 0x80 } } : words
        let separators = [" ", "  ", " ", " "]
        var out = rng.chance(0.2) ? " " : ""
        for k in 0..<rng.index(below: 20) {
            if k > 0 { out += separators[rng.index(below: separators.count)] }
            out += pool[rng.index(below: pool.count)]
        }
        return out + (rng.chance(0.2) ? " " : "")
    }

    @Test func perturbAndLengthAgreeWithTheCharacterPaths() {
        var source = SeededRandom(seed: 8, stream: "sim-ascii")
        var taken = 0
        for round in 0..<3_000 {
            let profile = SimProfile(
                drop: [0, 0.1, 0.5][round % 3], swap: [0, 0.2, 0.9][round % 3], substitute: [0.3, 0, 0.1][round % 3],
                verbosity: [1, 0.6, 1.4, 2.5, 1.005][round % 5])
            let model = SimModel(profile: profile)
            let text = Self.text(&source, ascii: round % 4 != 0)
            let seed = UInt64(round)
            var fastRNG = SeededRandom(seed: seed, stream: "t")
            var generalRNG = SeededRandom(seed: seed, stream: "t")
            if let fast = model.perturbASCII(text, rng: &fastRNG) {
                taken += 1
                #expect(fast == model.perturbCharacters(text, rng: &generalRNG), "\(text.debugDescription)")
            } else {
                #expect(text.utf8.contains { $0 >= 0x80 }, "ASCII text left to the general path: \(text.debugDescription)")
            }
            #expect(fastRNG.next() == generalRNG.next(), "the same draws: \(text.debugDescription)")
            if let fast = model.adjustLengthASCII(text, rng: &fastRNG) {
                #expect(fast == model.adjustLengthCharacters(text, rng: &generalRNG), "\(text.debugDescription) × \(profile.verbosity)")
            }
            #expect(fastRNG.next() == generalRNG.next(), "the same draws: \(text.debugDescription)")
        }
        #expect(taken > 2_000)
    }
}
