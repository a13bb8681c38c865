import Foundation
import Yams

/// The canary: steps, the metrics it watches and their margins, the judge, the evidence guard,
/// and the checks that tie router, traffic, proxy and metrics source together.
extension SpecParser {
    func canarySpec(_ field: YAMLField) -> CanarySpec? {
        let keys = [
            "router", "traffic", "proxy", "judge", "steps", "metrics", "metrics_source", "analysis_interval", "failure_limit", "min_samples",
            "evidence_guard", "publish",
        ]
        guard let m = reader.mapping(field, allowed: keys, required: ["traffic", "steps", "metrics"]) else { return nil }
        let parsedRouter = m["router"].flatMap { routerSpec($0) }
        let router = parsedRouter ?? .builtin
        let traffic = m["traffic"].flatMap { trafficSpec($0) }
        let proxy = m["proxy"].map { proxySpec($0) } ?? ProxySpec()
        let steps = m["steps"].map { canarySteps($0) }
        var explicitQueryTypes: Set<CanaryMetric> = []
        let metrics = m["metrics"].map { metricChecks($0, explicitTypes: &explicitQueryTypes) }
        let interval = m["analysis_interval"].flatMap { reader.duration($0, minimum: 1) } ?? 10
        let failureLimit = m["failure_limit"].flatMap { reader.int($0, in: 1...100) } ?? 2
        let minSamples = m["min_samples"].flatMap { reader.int($0, in: 1...1_000_000) } ?? 20
        let parsedSource = m["metrics_source"].flatMap { metricsSource($0, checks: metrics ?? []) }
        let source = parsedSource ?? .observations
        let judge = m["judge"].map { judgePolicy($0) } ?? JudgePolicy()
        let evidenceGuard = m["evidence_guard"].map { evidenceGuardSettings($0) } ?? EvidenceGuard.Settings()
        // A source that failed to parse has been reported; checks that depend on it would only echo it.
        let sourceKnown = m["metrics_source"] == nil || parsedSource != nil
        if let traffic, m["router"] == nil || parsedRouter != nil {
            checkDataPlane(m, router: router, traffic: traffic, proxy: proxy, source: sourceKnown ? source : nil)
        }
        if judge.kind != .sequential, let f = m["metrics"], case .sequence(let items) = f.node {
            for (i, item) in items.enumerated() {
                if case .mapping(let map) = item, let node = map["rollback_tolerance"] {
                    reader.error(node, "\(f.index(i)).rollback_tolerance", "applies to the sequential judge only (kind is \(judge.kind.rawValue))")
                }
            }
        }
        if proxy.mirror > 0, let f = m["proxy"], case .mapping(let map) = f.node, let node = map["mirror"] {
            // Mirroring costs a candidate call per mirrored prompt: refuse it where nothing reads the pairs.
            let why: String? =
                metrics.map { !$0.contains { $0.metric == .quality } } == true
                ? "mirrors prompts to compare quality on the same prompts, but the canary judges no quality metric"
                : judge.kind != .sequential
                    ? "feeds the sequential judge's paired quality test; the \(judge.kind.rawValue) judge compares unpaired means"
                    : source != .observations ? "needs each request's answers; a metrics backend has only aggregates" : nil
            if let why { reader.error(node, f.child("mirror"), why) }
        }
        guard let traffic, var metrics, let steps, !steps.isEmpty else { return nil }
        if case .prometheus = source {
            metrics = prometheusChecks(m, metrics, judge: judge, explicitTypes: explicitQueryTypes)
        } else if case .kind(let k) = source, judge.kind == .sequential, let f = m["metrics"], case .sequence(let items) = f.node {
            // A metrics backend keeps aggregates, not each request's value: the sequential judge
            // can use its counts (error_rate) and nothing else, and must not skip a metric quietly.
            for (i, check) in metrics.enumerated() where check.metric != .errorRate && check.metric != .criticalEvents && i < items.count {
                reader.error(
                    items[i], f.index(i),
                    "the sequential judge reads only error counts from \(type(of: k).kind); \(check.metric.rawValue) needs each request's value: judge it with threshold or kayenta"
                )
            }
        } else if sourceKnown, let f = m["metrics"], case .sequence(let items) = f.node {
            for (i, item) in items.enumerated() {
                guard case .mapping(let map) = item else { continue }
                for key in ["query", "query_type", "aggregate"] {
                    if let node = map[key] {
                        reader.error(
                            node, "\(f.index(i)).\(key)", "applies with metrics_source prometheus only (the judge reads the observed requests)")
                    }
                }
            }
        }
        var spec = CanarySpec(
            router: router, traffic: traffic, steps: steps, metrics: metrics, analysisInterval: interval,
            failureLimit: failureLimit, minSamples: minSamples, proxy: proxy)
        spec.judge = judge
        spec.metricsSource = source
        spec.evidenceGuard = evidenceGuard
        spec.publish = m["publish"].flatMap { publishSpec($0) }
        return spec
    }

    /// `evidence_guard: off`, or a mapping with `max_error_rate`, `min_requests` and `patience`.
    func evidenceGuardSettings(_ field: YAMLField) -> EvidenceGuard.Settings {
        var g = EvidenceGuard.Settings()
        if case .scalar = field.node {
            if let on = reader.bool(field) { g.enabled = on }
            return g
        }
        guard let m = reader.mapping(field, allowed: ["enabled", "max_error_rate", "min_requests", "patience"]) else { return g }
        if let f = m["enabled"], let on = reader.bool(f) { g.enabled = on }
        if let f = m["max_error_rate"], let v = reader.double(f, in: 0.01...1) { g.maxErrorRate = v }
        if let f = m["min_requests"], let v = reader.int(f, in: 1...1_000_000) { g.minRequests = v }
        if let f = m["patience"], let v = reader.duration(f, minimum: 0, maximum: 86_400) { g.patience = v }
        return g
    }

    /// Which combinations of traffic source, router, proxy and metrics source make a data plane
    /// that can both move traffic and see it.
    func checkDataPlane(_ m: [String: YAMLField], router: RouterSpec, traffic: TrafficSpec, proxy: ProxySpec, source: MetricsSourceSpec?) {
        let prometheus = source != .observations
        if traffic.source == .sim {
            // In process, answers are scored and mirrored as the proxy would; nothing else of it applies.
            if let f = m["proxy"], case .mapping(let map) = f.node {
                for (key, value) in map {
                    guard let name = key.scalar?.string, !["quality_sample", "mirror"].contains(name) else { continue }
                    reader.error(
                        value, f.child(name),
                        "has no effect with traffic source 'sim' (in-process: only quality_sample and mirror apply); use source 'load' or 'external'")
                }
            }
            if prometheus, let f = m["metrics_source"] {
                reader.error(
                    f.node, f.path,
                    "\(source?.name == "prometheus" ? "Prometheus" : source?.name ?? "the metrics source") cannot see traffic source 'sim' (answered inside the engine); use source 'load' or 'external'"
                )
            }
            return
        }
        if router == .builtin {
            if proxy.meter != nil, let f = m["proxy"] {
                reader.error(
                    f.node, YAMLField(node: f.node, path: f.path).child("meter"),
                    "is for an external router (nginx, file, command); the builtin router splits traffic in the proxy itself")
            }
            if traffic.target != nil, let f = m["traffic"] {
                reader.error(f.node, f.child("target"), "is for an external router; with the builtin router the load goes to Rampart's proxy")
            }
            return
        }
        if proxy.meter == nil && source == .observations, let f = m["router"] {
            reader.error(
                f.node, f.path,
                "with traffic source '\(traffic.source.rawValue)' and the \(router.name) router nothing would observe the canary: add proxy.meter (one listener per version for your router's upstream) or metrics_source \((["prometheus"] + kinds.metricSources.map { $0.kind }).joined(separator: " or "))"
            )
        }
        if traffic.source == .load && traffic.target == nil, let f = m["traffic"] {
            reader.error(
                f.node, f.child("target"),
                "required field is missing: the URL of your router (such as http://127.0.0.1:8080) that the load is sent to")
        }
        if case .nginx(let n) = router, let meter = proxy.meter, let f = m["router"] {
            for (key, up, listener) in [("baseline", n.baseline, meter.baseline), ("candidate", n.candidate, meter.candidate)]
            where up != listener.description {
                var node = f.node
                if case .mapping(let map) = f.node, let n = map[key] { node = n }
                reader.error(
                    node, f.child(key),
                    "is \(up) but proxy.meter.\(key) listens on \(listener); the upstream must name the meter, or the meter sees none of that version's traffic"
                )
            }
        }
    }

    /// `judge: sequential`, or a mapping with `kind` and its settings.
    func judgePolicy(_ field: YAMLField) -> JudgePolicy {
        var p = JudgePolicy()
        if case .scalar = field.node {
            if let k = reader.choice(field, JudgePolicy.Kind.self) { p.kind = k }
            return p
        }
        let keys = [
            "kind", "alpha_rollback", "alpha_promote", "rollback_tolerance", "on_inconclusive", "on_stall", "hold", "pass", "marginal", "bucket",
        ]
        guard let m = reader.mapping(field, allowed: keys) else { return p }
        if let f = m["kind"], let k = reader.choice(f, JudgePolicy.Kind.self) { p.kind = k }
        if let f = m["alpha_rollback"], let a = reader.double(f, in: 0.0001...0.5) { p.alphaRollback = a }
        if let f = m["alpha_promote"], let a = reader.double(f, in: 0.0001...0.5) { p.alphaPromote = a }
        if let f = m["rollback_tolerance"], let t = reader.double(f, in: 0.01...1) { p.rollbackTolerance = t }
        if let f = m["on_inconclusive"], let o = reader.choice(f, JudgePolicy.OnInconclusive.self) { p.onInconclusive = o }
        if let f = m["on_stall"], let o = reader.choice(f, JudgePolicy.OnStall.self) { p.onStall = o }
        if let f = m["hold"], let h = reader.duration(f, minimum: 0) { p.hold = h }
        if let f = m["pass"], let v = reader.double(f, in: 0...100) { p.pass = v }
        if let f = m["marginal"], let v = reader.double(f, in: 0...100) { p.marginal = v }
        if let f = m["bucket"], let b = reader.duration(f, minimum: 1) { p.bucket = b }
        if p.marginal > p.pass, let f = m["marginal"] {
            reader.error(f.node, f.path, "must not exceed pass (\(p.pass)), got \(p.marginal)")
        }
        for key in ["pass", "marginal", "bucket"] where p.kind != .kayenta {
            if let f = m[key] { reader.error(f.node, f.path, "applies to the kayenta judge only (kind is \(p.kind.rawValue))") }
        }
        for key in ["alpha_rollback", "alpha_promote", "rollback_tolerance", "on_stall"] where p.kind != .sequential {
            if let f = m[key] { reader.error(f.node, f.path, "applies to the sequential judge only (kind is \(p.kind.rawValue))") }
        }
        return p
    }

    func canarySteps(_ field: YAMLField) -> [CanaryStep] {
        guard let items = reader.sequence(field) else { return [] }
        if items.isEmpty { reader.error(field.node, field.path, "needs at least one step") }
        var previous: Double?
        var steps: [CanaryStep] = []
        for item in items {
            guard let m = reader.mapping(item, allowed: ["weight", "bake", "min_requests", "timeout"], required: ["weight", "bake"])
            else { continue }
            let weight = m["weight"].flatMap { reader.double($0, in: 0...100, allowPercent: true) }
            let bake = m["bake"].flatMap { reader.duration($0) }
            let minRequests = m["min_requests"].flatMap { reader.int($0, in: 0...100_000_000) } ?? 0
            let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 1) }
            if let weight, let w = m["weight"], let previous, weight < previous {
                reader.error(w.node, w.path, "weights must not decrease along the ramp (previous step is \(Int(previous))%), got \(Int(weight))")
            }
            if let weight, weight == 0, let w = m["weight"] {
                reader.error(w.node, w.path, "a step at 0% sends the candidate no traffic and can never gather evidence")
            }
            if let weight, weight == 100, let w = m["weight"] {
                reader.error(w.node, w.path, "a step at 100% leaves no baseline traffic to compare against; promotion sends 100% after the last step")
            }
            if let bake, let timeout, let t = m["timeout"], timeout < bake {
                reader.error(t.node, t.path, "must be at least the bake (\(DurationText.format(bake))), got \(DurationText.format(timeout))")
            }
            previous = weight ?? previous
            if let weight, let bake {
                steps.append(CanaryStep(weight: weight, bake: bake, minRequests: minRequests, timeout: timeout))
            }
        }
        return steps
    }

    func metricChecks(_ field: YAMLField, explicitTypes: inout Set<CanaryMetric>) -> [MetricCheck] {
        guard let items = reader.sequence(field) else { return [] }
        var seen: Set<CanaryMetric> = []
        var explicit: Set<CanaryMetric> = []
        defer { explicitTypes = explicit }
        return items.compactMap { item in
            let keys = [
                "metric", "max_ratio", "max_increase", "max_decrease", "max", "min", "role", "require", "rollback_tolerance", "query", "query_type",
                "aggregate",
            ]
            let before = reader.diagnostics.count
            guard let m = reader.mapping(item, allowed: keys, required: ["metric"]) else { return nil }
            let hadUnknownKeys = reader.diagnostics.count > before
            guard let metric = m["metric"].flatMap({ reader.choice($0, CanaryMetric.self) }) else { return nil }
            if let f = m["metric"], !seen.insert(metric).inserted {
                reader.error(f.node, f.path, "metric '\(metric.rawValue)' is listed twice")
            }
            var check = MetricCheck(metric: metric)
            check.maxRatio = m["max_ratio"].flatMap { reader.double($0, in: 1...1000) }
            check.maxIncrease = m["max_increase"].flatMap { reader.double($0, in: 0...1e12) }
            check.maxDecrease = m["max_decrease"].flatMap { reader.double($0, in: 0...1e12) }
            check.max = m["max"].flatMap { reader.double($0, in: 0...1e12) }
            check.min = m["min"].flatMap { reader.double($0, in: 0...1e12) }
            check.role = m["role"].flatMap { reader.choice($0, MetricRole.self) }
            check.require = m["require"].flatMap { reader.choice($0, SuccessRequirement.self) }
            if let f = m["rollback_tolerance"] {
                check.rollbackTolerance = reader.double(f, in: 0.01...1)
                if m["max_ratio"] == nil && m["max_increase"] == nil && m["max_decrease"] == nil {
                    reader.error(f.node, f.path, "applies to a margin (max_ratio, max_increase or max_decrease); max and min are limits")
                }
            }
            if let f = m["query"], let q = reader.string(f) {
                checkPlaceholders(q, f)
                check.query = MetricQuery(expr: q)
            }
            if let f = m["query_type"], let kind = reader.choice(f, MetricQuery.Kind.self) {
                if check.query == nil { check.query = MetricQuery(expr: "") }
                check.query?.kind = kind
                explicit.insert(metric)
            }
            if let f = m["aggregate"], let a = reader.choice(f, MetricQuery.Aggregate.self) {
                if check.query == nil { check.query = MetricQuery(expr: "") }
                check.query?.aggregate = a
            }
            if let f = m["require"], check.effectiveRole != .success {
                reader.error(f.node, f.path, "applies to success metrics only (this one is a \(check.effectiveRole.rawValue))")
            }
            if metric == .criticalEvents {
                if let f = m["role"], check.role != .critical { reader.error(f.node, f.path, "critical_events is always critical") }
                return check
            }
            let limits = ["max_ratio", "max_increase", "max_decrease", "max", "min"].filter { m[$0] != nil }
            if limits.isEmpty && !hadUnknownKeys {
                reader.error(item.node, item.path, "set at least one limit: max_ratio, max_increase, max_decrease, max or min")
            }
            let wrong = metric.higherIsWorse ? ["max_decrease", "min"] : ["max_ratio", "max_increase", "max"]
            for key in wrong {
                if let f = m[key] {
                    let why = metric.higherIsWorse ? "a higher \(metric.rawValue) is worse" : "a lower quality is worse"
                    reader.error(f.node, f.path, "does not apply to \(metric.rawValue): \(why)")
                }
            }
            return check
        }
    }
}
