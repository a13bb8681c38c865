import Foundation
import Testing

@testable import RampartCore

/// `rampart simulate --effect`: one change or several at once, added or multiplied.
@Suite struct SimulationEffectTests {
    let base = SimProfile(latencyMedianMs: 900, latencyP99Ms: 2600, errorRate: 0.005)

    @Test func combinedEffectsApplyEveryChange() throws {
        let e = try #require(SimulationEffect.parse("latency=+30%,error_rate=x2"))
        #expect(e.changes.count == 2)
        #expect(e.description == "latency=+30%,error_rate=x2")
        let p = e.apply(to: base)
        #expect(abs(p.latencyMedianMs - 1170) < 1e-9 && abs(p.latencyP99Ms - 3380) < 1e-9)
        #expect(abs(p.errorRate - 0.01) < 1e-12)
    }

    @Test func addedAndMultipliedAreTheirOwnThings() throws {
        #expect(abs(try #require(SimulationEffect.parse("error_rate=+3%")).apply(to: base).errorRate - 0.035) < 1e-12)
        #expect(abs(try #require(SimulationEffect.parse("latency=x1.5")).apply(to: base).latencyMedianMs - 1350) < 1e-9)
        #expect(try #require(SimulationEffect.parse("error_rate=x1000")).apply(to: base).errorRate == 1, "a rate stays a rate")
        #expect(SimulationEffect.parse("quality=-0.15")?.description == "quality=-0.15")
        #expect(SimulationEffect.parse("error_rate=+2.5%")?.description == "error_rate=+2.5pp")
    }

    @Test(arguments: [
        "", "latency", "latency=", "speed=+30%", "latency=+30%,latency=x2", "quality=x2", "latency=+30%,", "error_rate=xNaN",
        "latency=x-1", "latency=+1e300%",
    ])
    func malformedEffectsAreRefused(_ text: String) {
        #expect(SimulationEffect.parse(text) == nil, "\(text)")
    }
}
