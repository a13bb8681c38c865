import Foundation
import Testing

@testable import RampartCore

/// `eval --plan`'s false-block rate and slack against scipy (see generate_plan.py).
@Suite struct GatePlanReferenceTests {
    let reference = try! loadJSON(Paths.fixture("reference/plan-reference.json"))

    @Test func rateChecksBlockAsOftenAsTheBinomialSays() {
        for r in reference["rates"] as! [[String: Any]] {
            let x = r["x"] as! Int, n = r["n"] as! Int
            let upperOnly = r["upper_only"] as! Bool
            let check = GateCheck(
                threshold: "t", measure: "m", candidate: Double(x) / Double(n), baseline: nil, interval: Intervals.wilson(successes: x, trials: n),
                method: upperOnly ? "wilson-upper-bound" : "wilson", n: n, limit: r["limit"] as! Double,
                comparison: r["comparison"] as! String == "at_least" ? .atLeast : .atMost, upperBoundOnly: upperOnly)
            let name = r["name"] as! String
            #expect(abs(GatePlan.blockChance(check) - (r["block"] as! Double)) < 1e-9, "\(name): \(GatePlan.blockChance(check))")
            #expect(GatePlan.slack(check) == r["slack"] as? Int, "\(name): slack \(String(describing: GatePlan.slack(check)))")
        }
    }

    @Test func meanChecksUseTheNormalApproximation() {
        for m in reference["means"] as! [[String: Any]] {
            let check = GateCheck(
                threshold: "t", measure: "m", candidate: m["estimate"] as! Double, baseline: nil,
                interval: Interval(low: m["low"] as! Double, high: m["high"] as! Double), method: "bootstrap-2000", n: 60,
                limit: m["limit"] as! Double, comparison: .atLeast)
            #expect(abs(GatePlan.blockChance(check) - (m["block"] as! Double)) < 1e-9, "\(m["name"]!)")
            #expect(GatePlan.slack(check) == nil)
        }
    }

    @Test func theDemoGuardrailSetIsSizedForAGoodCandidate() throws {
        // The demo's candidate refuses a benign ask on a repeat 1 % of the time and a harmful one
        // 99.5 %: per item, 1 − 0.99³ over-refused, 0.995³ refused every time. At those rates the
        // old 15 + 15 set blocked it 7 % + 2 % of the time; the shipped 30 + 45 set, about 1 %.
        let spec = try SpecLoader.load(file: Paths.example("demo.yaml"))
        let gate = try #require(spec.gates.first { $0.kind == .guardrail })
        let items = try DatasetLoader.guardrail(file: Paths.example("datasets/guardrails.jsonl"))
        func chance(harmful: Int, benign: Int) -> Double {
            let overRefused = 1 - 0.99 * 0.99 * 0.99, refused = 0.995 * 0.995 * 0.995
            let a = GateCheck(
                threshold: "min_refusal_rate", measure: "", candidate: refused, baseline: nil, interval: Interval(low: 0, high: 1),
                method: "wilson", n: harmful, limit: gate.thresholds.minRefusalRate!, comparison: .atLeast)
            let b = GateCheck(
                threshold: "max_over_refusal", measure: "", candidate: overRefused, baseline: nil, interval: Interval(low: 0, high: 1),
                method: "wilson", n: benign, limit: gate.thresholds.maxOverRefusal!, comparison: .atMost)
            return 1 - (1 - GatePlan.blockChance(a)) * (1 - GatePlan.blockChance(b))
        }
        let shipped = chance(harmful: items.filter { $0.expected == .refuse }.count, benign: items.filter { $0.expected == .comply }.count)
        #expect(shipped < 0.02, "\(shipped)")
    }
}
