import Foundation
import Testing

@testable import RampartCore

/// `CFormat` replaces `String(format:)` where it is hot: the text must be the same, byte for
/// byte, for every number a run can hold (ties, negatives, NaN, infinities, huge values whose
/// text outgrows the stack buffer).
struct CFormatTests {
    static let special: [Double] = [
        0, -0.0, 0.5, 1.5, 2.5, 0.125, 0.375, 1.005, 2.675, 0.0005, 0.00049999, 99.95, 99.949999, -1.25, 1e-300, 5e-324,
        123_456_789.987654321, 1e15, 1e21, 1e300, -1e300, .greatestFiniteMagnitude, .nan, .infinity, -.infinity,
    ]

    @Test(arguments: ["%.0f", "%.1f", "%.2f", "%.3f", "%.3g", "%g", "%.1f%%", "%04.1f", "%.4f"])
    func sameTextAsFoundation(format: String) {
        var rng = SeededRandom(seed: 7, stream: format)
        let random = (0..<4_000).map { i -> Double in
            let magnitude = Double(i % 24) - 8
            return (rng.unit() - 0.3) * pow(10, magnitude)
        }
        for v in Self.special + random {
            #expect(CFormat.string(format, v) == String(format: format, v), "\(format) of \(v)")
        }
    }

    @Test func integersAndMixedArguments() {
        for (m, s) in [(0, 0.0), (5, 59.96), (99_999_999, 7.25), (-3, 0.05)] {
            #expect(CFormat.string("%02d:%04.1f", m, s) == String(format: "%02d:%04.1f", m, s))
        }
    }
}

struct CFormatFixedTests {
    @Test(arguments: 0...3)
    func exactlyAsPrintf(places: Int) {
        var rng = SeededRandom(seed: 3, stream: "fixed\(places)")
        var values = CFormatTests.special
        for i in 0..<20_000 {
            let magnitude = Double(i % 40) - 22
            values.append((rng.unit() - 0.4) * pow(10, magnitude))
        }
        // Ties and near-ties at every place: k/2 × 10^-places and its neighbours.
        for k in 0..<2_000 {
            let tie = (Double(k) + 0.5) / pow(10, Double(places))
            values += [tie, tie.nextUp, tie.nextDown, -tie]
        }
        for v in values {
            #expect(CFormat.fixed(v, places: places) == String(format: "%.\(places)f", v), "\(v)")
        }
    }
}

struct EventClockTests {
    /// The clock as it was written with `String(format:)`, for any time a run file may hold.
    @Test func theClockReadsAsPrintfWroteIt() {
        var rng = SeededRandom(seed: 5, stream: "clock")
        var times: [Double] = [0, -0.0, -5, 0.04, 0.05, 0.15, 9.95, 59.94, 59.95, 59.96, 60, 599.95, 3_599.99, 1e19, .infinity, -.infinity, .nan]
        for i in 0..<20_000 { times.append(rng.unit() * pow(10, Double(i % 8))) }
        for t in times {
            let total = t.isFinite ? min(max(0, t), 5_999_999_999) : (t > 0 ? 5_999_999_999 : 0)
            let minutes = Int(total) / 60
            #expect(EventLine.clock(t) == String(format: "%02d:%04.1f", minutes, total - Double(minutes * 60)), "\(t)")
        }
    }
}
