import Foundation
import Yams

/// Where the canary's metrics come from when not from its own proxy: a metrics backend, its
/// queries and their placeholders.
extension SpecParser {
    /// `metrics_source: observations`, or a mapping with `kind: prometheus` and its settings.
    func metricsSource(_ field: YAMLField, checks: [MetricCheck]) -> MetricsSourceSpec? {
        let names = ["observations", "prometheus"] + kinds.metricSources.map { $0.kind }
        if case .scalar = field.node {
            guard let name = reader.string(field) else { return nil }
            if name == "observations" { return .observations }
            reader.error(
                field.node, field.path,
                names.contains(name)
                    ? "\(name) needs settings: write it as a mapping with kind: \(name)\(name == "prometheus" ? " and url" : "")"
                    : "must be one of: \(names.joined(separator: ", ")); got '\(name)'")
            return nil
        }
        if let kind = kindName(field), let type = kinds.metricSource(named: kind) {
            return registered(field, keys: type.keys) { settings in type.init(settings, checks: checks) }.map { .kind($0) }
        }
        let keys = ["kind", "url", "timeout", "token_env", "resolution", "requests_query", "errors_query"]
        guard let m = reader.mapping(field, allowed: keys, required: ["kind"]), let k = m["kind"], let kind = reader.string(k) else { return nil }
        switch kind {
        case "observations":
            for key in keys.dropFirst() {
                if let f = m[key] { reader.error(f.node, f.path, "applies to kind prometheus only") }
            }
            return .observations
        case "prometheus":
            guard let u = m["url"] else {
                reader.error(field.node, field.child("url"), "required field is missing (such as http://127.0.0.1:9090)")
                return nil
            }
            guard let url = reader.string(u) else { return nil }
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                reader.error(u.node, u.path, "must be an http or https URL of a Prometheus server such as http://127.0.0.1:9090, got '\(url)'")
                return nil
            }
            var p = PrometheusSourceSpec(url: url)
            if let f = m["timeout"], let t = reader.duration(f, minimum: 0.1) { p.timeout = t }
            if let f = m["resolution"], let r = reader.duration(f, minimum: 1) { p.resolution = r }
            if let f = m["token_env"], let name = reader.string(f) {
                if name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                    p.tokenEnv = name
                } else {
                    reader.error(f.node, f.path, "must name an environment variable (the token itself never goes in a spec), got '\(name)'")
                }
            }
            if let f = m["requests_query"], let q = reader.string(f) {
                checkPlaceholders(q, f)
                p.requestsQuery = q
            }
            if let f = m["errors_query"], let q = reader.string(f) {
                checkPlaceholders(q, f)
                p.errorsQuery = q
            }
            return .prometheus(p)
        default:
            reader.error(k.node, k.path, "must be one of: \(names.joined(separator: ", ")); got '\(kind)'")
            return nil
        }
    }

    func checkPlaceholders(_ query: String, _ f: YAMLField) {
        for name in PromQLTemplate.unknownPlaceholders(in: query) {
            reader.error(
                f.node, f.path, "unknown placeholder {{\(name)}} (known: \(PromQLTemplate.placeholders.map { "{{\($0)}}" }.joined(separator: ", ")))")
        }
    }

    /// Fills the built-in queries and the judge's query type, and refuses what cannot be judged
    /// from aggregates.
    func prometheusChecks(_ m: [String: YAMLField], _ checks: [MetricCheck], judge: JudgePolicy, explicitTypes: Set<CanaryMetric>)
        -> [MetricCheck]
    {
        guard let field = m["metrics"] else { return checks }
        var items: [YAMLField] = []
        if case .sequence(let seq) = field.node { items = seq.enumerated().map { YAMLField(node: $0.element, path: field.index($0.offset)) } }
        return checks.enumerated().map { i, c in
            var c = c
            let item = i < items.count ? items[i] : field
            if judge.kind == .sequential && c.metric != .criticalEvents {
                // Counts are all an error rate's statistics need; every other metric needs each
                // request's value, which Prometheus does not keep.
                if c.metric != .errorRate {
                    reader.error(
                        item.node, item.path,
                        "the sequential judge reads only error counts from Prometheus; \(c.metric.rawValue) needs each request's value: judge it with threshold or kayenta, or read the observations"
                    )
                } else if c.query != nil {
                    let key =
                        ["query", "query_type", "aggregate"].first { k in
                            if case .mapping(let map) = item.node { return map[k] != nil }
                            return false
                        } ?? "query"
                    reader.error(
                        item.node, item.child(key),
                        "the sequential judge counts errors with metrics_source's errors_query and requests_query, not a per-metric query")
                }
                return c
            }
            let wanted: MetricQuery.Kind = judge.kind == .kayenta ? .range : .instant
            var query = c.query ?? MetricQuery(expr: "")
            if !explicitTypes.contains(c.metric) { query.kind = wanted }
            if query.expr.isEmpty {
                guard let q = PromQLDefaults.query(for: c.metric, kind: query.kind) else {
                    reader.error(
                        item.node, item.child("query"),
                        "required with metrics_source prometheus: Rampart's proxy exports nothing for \(c.metric.rawValue)")
                    return c
                }
                query.expr = q
            }
            c.query = query
            if judge.kind == .kayenta && c.query?.kind == .instant && c.metric != .criticalEvents {
                reader.error(item.node, item.child("query_type"), "the kayenta judge compares series: use query_type range")
            }
            return c
        }
    }
}

extension SpecParser {
    /// `canary.publish: { kind: cloudwatch, … }`: a registered publisher kind.
    func publishSpec(_ field: YAMLField) -> PublishSpec? {
        let names = kinds.publishers.map { $0.kind }
        guard let kind = kindName(field), let type = kinds.publisher(named: kind) else {
            let got = kindName(field).map { "got '\($0)'" } ?? "the mapping has no kind"
            reader.error(
                field.node, kindName(field) == nil ? field.child("kind") : field.path,
                names.isEmpty ? "no publisher kinds are built in here" : "kind must be one of: \(names.joined(separator: ", ")); \(got)")
            return nil
        }
        return registered(field, keys: type.keys) { settings in type.init(settings) }.map(PublishSpec.init)
    }
}
