import Foundation

/// xoshiro256** seeded through SplitMix64: fast, small, and identical on every platform,
/// which `SystemRandomNumberGenerator` is not. Same seed, same run.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var sm = seed
        func next() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (next(), next(), next(), next())
    }

    /// An independent stream for one purpose (`"traffic"`, `"gate:golden:candidate"`…), so adding
    /// draws in one place never shifts the numbers drawn in another.
    public init(seed: UInt64, stream: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in stream.utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01B3
        }
        self.init(seed: seed ^ h)
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s.1 &* 5, 7) &* 9
        let t = s.1 << 17
        s.2 ^= s.0
        s.3 ^= s.1
        s.1 ^= s.2
        s.0 ^= s.3
        s.2 ^= t
        s.3 = rotl(s.3, 45)
        return result
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1) with 53 bits of precision.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    /// Standard normal by Box–Muller.
    public mutating func normal() -> Double {
        var u = unit()
        while u <= .leastNonzeroMagnitude { u = unit() }
        let v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    /// Poisson by Knuth's method for small means, normal approximation above 60.
    /// An exponential gap between Poisson arrivals at `rate` per unit time.
    public mutating func exponential(rate: Double) -> Double {
        -Foundation.log(1 - unit()) / rate
    }

    public mutating func poisson(mean: Double) -> Int {
        if mean <= 0 { return 0 }
        if mean > 60 { return max(0, Int((mean + mean.squareRoot() * normal()).rounded())) }
        let limit = exp(-mean)
        var k = 0
        var p = 1.0
        repeat {
            k += 1
            p *= unit()
        } while p > limit
        return k - 1
    }

    public mutating func index(below count: Int) -> Int {
        precondition(count > 0)
        return Int(next() % UInt64(count))
    }
}

/// A log-normal fixed by its median and 99th percentile, the two numbers people quote for latency.
public struct LogNormal: Sendable, Equatable {
    public let mu: Double
    public let sigma: Double
    /// z for the 99th percentile of the standard normal.
    public static let z99 = 2.3263478740408408

    public init(median: Double, p99: Double) {
        mu = log(median)
        sigma = max(0, (log(max(p99, median)) - log(median)) / LogNormal.z99)
    }

    public func sample(_ rng: inout SeededRandom) -> Double {
        exp(mu + sigma * rng.normal())
    }
}
