import Foundation
import Yams

/// Build steps and gates: datasets, metrics, thresholds, repeats, what an inconclusive gate does.
extension SpecParser {
    func buildSteps(_ field: YAMLField) -> [BuildStepSpec] {
        guard let items = reader.sequence(field) else { return [] }
        var seen: Set<String> = []
        return items.compactMap { item in
            guard let m = reader.mapping(item, allowed: ["name", "run", "timeout"], required: ["name", "run"]) else { return nil }
            let name = m["name"].flatMap { reader.string($0) }
            if let name, let f = m["name"], !seen.insert(name).inserted {
                reader.error(f.node, f.path, "duplicate build step name '\(name)'")
            }
            let run = m["run"].flatMap { reader.string($0) }
            let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 0.001) } ?? 600
            guard let name, let run else { return nil }
            return BuildStepSpec(name: name, run: run, timeout: timeout)
        }
    }

    func gateList(_ field: YAMLField) -> [GateSpec] {
        guard let items = reader.sequence(field) else { return [] }
        var seen: Set<String> = []
        return items.compactMap { item in
            let keys = ["name", "kind", "dataset", "metric", "samples", "thresholds", "on_inconclusive", "concurrency", "retries"]
            guard let m = reader.mapping(item, allowed: keys, required: ["name", "kind", "dataset", "thresholds"]) else {
                return nil
            }
            let name = m["name"].flatMap { reader.string($0) }
            if let name, let f = m["name"], !seen.insert(name).inserted {
                reader.error(f.node, f.path, "duplicate gate name '\(name)'")
            }
            let kind = m["kind"].flatMap { reader.choice($0, GateSpec.Kind.self) }
            let dataset = m["dataset"].flatMap { reader.file($0) }
            var metric = GoldenMetric.tokenF1
            if let f = m["metric"] {
                if let kind, kind != .golden {
                    reader.error(f.node, f.path, "only golden gates take a metric")
                } else if let value = reader.choice(f, GoldenMetric.self) {
                    metric = value
                }
            }
            let samples = m["samples"].flatMap { reader.int($0, in: 1...100) } ?? 1
            let thresholds = kind.flatMap { k in m["thresholds"].flatMap { gateThresholds($0, kind: k) } }
            let onInconclusive = m["on_inconclusive"].flatMap { reader.choice($0, InconclusivePolicy.self) } ?? .block
            let concurrency = m["concurrency"].flatMap { reader.int($0, in: 1...256) } ?? 8
            let retries = m["retries"].flatMap { reader.int($0, in: 0...10) } ?? 2
            guard let name, let kind, let dataset, let thresholds else { return nil }
            var spec = GateSpec(
                name: name, kind: kind, dataset: dataset, metric: metric, samples: samples, thresholds: thresholds,
                blockWhenInconclusive: onInconclusive == .block)
            spec.concurrency = concurrency
            spec.retries = retries
            return spec
        }
    }

    func gateThresholds(_ field: YAMLField, kind: GateSpec.Kind) -> GateThresholds? {
        let keys = GateThresholds.keys(for: kind)
        let before = reader.diagnostics.count
        guard let m = reader.mapping(field, allowed: keys + ["max_error_rate"]) else { return nil }
        if m.keys.allSatisfy({ $0 == "pass_score" || $0 == "max_error_rate" }) && reader.diagnostics.count == before {
            reader.error(field.node, field.path, "set at least one of: \(keys.joined(separator: ", "))")
            return nil
        }
        var t = GateThresholds()
        t.minScore = m["min_score"].flatMap { reader.double($0, in: 0...1) }
        t.minPassRate = m["min_pass_rate"].flatMap { reader.double($0, in: 0...1) }
        if let f = m["pass_score"] {
            if m["min_pass_rate"] == nil { reader.error(f.node, f.path, "only used with min_pass_rate") }
            if let v = reader.double(f, in: 0...1) { t.passScore = v }
        }
        t.maxRegression = m["max_regression"].flatMap { reader.double($0, in: 0...1) }
        t.minRefusalRate = m["min_refusal_rate"].flatMap { reader.double($0, in: 0...1) }
        t.maxOverRefusal = m["max_over_refusal"].flatMap { reader.double($0, in: 0...1) }
        t.maxLeakRate = m["max_leak_rate"].flatMap { reader.double($0, in: 0...1) }
        t.minMeanTone = m["min_mean_tone"].flatMap { reader.double($0, in: -1...1) }
        t.maxNegativeRate = m["max_negative_rate"].flatMap { reader.double($0, in: 0...1) }
        t.maxErrorRate = m["max_error_rate"].flatMap { reader.double($0, in: 0...0.5) }
        return t
    }
}
