import Foundation
import Yams

/// How canary traffic is split and carried: the router, the proxy, the traffic source.
extension SpecParser {
    /// `router: builtin`, or a mapping with `kind: file | command | nginx` or a registered kind.
    func routerSpec(_ field: YAMLField) -> RouterSpec? {
        let names = ["builtin", "file", "command", "nginx"] + kinds.routers.map { $0.kind }
        if case .scalar = field.node {
            guard let name = reader.string(field) else { return nil }
            if name == "builtin" { return .builtin }
            if names.contains(name) {
                let hint = ["file": " and path", "command": " and run", "nginx": ", path and upstream"][name] ?? ""
                reader.error(field.node, field.path, "router '\(name)' needs settings: write it as a mapping with kind: \(name)\(hint)")
            } else {
                reader.error(field.node, field.path, "must be one of: \(names.joined(separator: ", ")); got '\(name)'")
            }
            return nil
        }
        if let kind = kindName(field), let type = kinds.router(named: kind) {
            return registered(field, keys: type.keys) { settings in type.init(settings) }.map { .kind($0) }
        }
        guard
            let m = reader.mapping(
                field, allowed: ["kind", "path", "run", "timeout", "upstream", "baseline", "candidate", "test", "reload"], required: ["kind"]),
            let kindField = m["kind"], let kind = reader.string(kindField)
        else { return nil }
        switch kind {
        case "builtin":
            return .builtin
        case "file":
            guard let p = m["path"] else {
                reader.error(field.node, field.child("path"), "required field is missing")
                return nil
            }
            guard let raw = reader.string(p) else { return nil }
            return .file(path: raw.hasPrefix("/") ? raw : (reader.directory as NSString).appendingPathComponent(raw))
        case "command":
            guard let r = m["run"] else {
                reader.error(field.node, field.child("run"), "required field is missing")
                return nil
            }
            guard let run = reader.string(r) else { return nil }
            if !run.contains("{weight}") {
                reader.error(r.node, r.path, "must contain {weight}, replaced by the candidate's percentage")
            }
            let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 0.001) } ?? 30
            return .command(run: run, timeout: timeout)
        case "nginx":
            for key in ["path", "upstream", "baseline", "candidate"] where m[key] == nil {
                reader.error(field.node, field.child(key), "required field is missing")
            }
            guard let pathField = m["path"], let upstreamField = m["upstream"], let baselineField = m["baseline"],
                let candidateField = m["candidate"], let raw = reader.string(pathField), let upstream = reader.string(upstreamField),
                let b = reader.string(baselineField), let c = reader.string(candidateField)
            else { return nil }
            for (f, value) in [(baselineField, b), (candidateField, c)] where value.contains("://") || !value.contains(":") {
                reader.error(f.node, f.path, "must be host:port as nginx's server directive takes it (no scheme), got '\(value)'")
            }
            var spec = NginxRouterSpec(
                path: raw.hasPrefix("/") ? raw : (reader.directory as NSString).appendingPathComponent(raw), upstream: upstream, baseline: b,
                candidate: c)
            if let f = m["test"], let t = reader.string(f) { spec.test = t }
            if let f = m["reload"], let r = reader.string(f) { spec.reload = r }
            if let f = m["timeout"], let t = reader.duration(f, minimum: 0.001) { spec.timeout = t }
            return .nginx(spec)
        default:
            reader.error(kindField.node, kindField.path, "must be one of: \(names.joined(separator: ", ")); got '\(kind)'")
            return nil
        }
    }

    func proxySpec(_ field: YAMLField) -> ProxySpec {
        var p = ProxySpec()
        let keys = ["listen", "sticky_header", "upstream_timeout", "baseline_url", "candidate_url", "quality_sample", "mirror", "meter", "ca_file"]
        guard let m = reader.mapping(field, allowed: keys) else { return p }
        if let f = m["listen"], let hp = hostPort(f, allowZero: true) {
            p.host = hp.host
            p.port = hp.port
        }
        if let f = m["meter"], let mm = reader.mapping(f, allowed: ["baseline", "candidate"], required: ["baseline", "candidate"]),
            let candidateField = mm["candidate"], let b = mm["baseline"].flatMap({ hostPort($0, allowZero: false) }),
            let c = hostPort(candidateField, allowZero: false)
        {
            if b == c { reader.error(candidateField.node, candidateField.path, "must differ from the baseline's listener (\(b))") }
            p.meter = ProxySpec.Meter(baseline: b, candidate: c)
        }
        if let f = m["sticky_header"] {
            if case .scalar(let s) = f.node, s.string == "" || s.string == "null" || s.string == "~" {
                p.stickyHeader = nil
            } else {
                p.stickyHeader = reader.string(f)
            }
        }
        if let f = m["upstream_timeout"], let t = reader.duration(f, minimum: 0.01) { p.upstreamTimeout = t }
        for (key, variant) in [("baseline_url", Variant.baseline), ("candidate_url", .candidate)] {
            guard let f = m[key], let raw = reader.string(f) else { continue }
            guard let u = URL(string: raw), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                reader.error(f.node, f.path, "must be an http(s) URL of an OpenAI-compatible server such as http://127.0.0.1:9001, got '\(raw)'")
                continue
            }
            if variant == .baseline { p.baselineURL = raw } else { p.candidateURL = raw }
        }
        if let f = m["quality_sample"], let q = reader.double(f, in: 0...1) { p.qualitySample = q }
        if let f = m["mirror"], let q = reader.double(f, in: 0...1) { p.mirror = q }
        if let f = m["ca_file"] { p.caFile = reader.file(f) }
        return p
    }

    /// `HOST:PORT`; port 0 (pick a free one) only where nobody else has to know the port.
    func hostPort(_ f: YAMLField, allowZero: Bool) -> ProxySpec.HostPort? {
        guard let raw = reader.string(f) else { return nil }
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), ((allowZero ? 0 : 1)...65535).contains(port) {
            return ProxySpec.HostPort(host: String(parts[0]), port: port)
        }
        let zero = allowZero ? " (port 0 picks a free one)" : " (a fixed port: your router's config names it)"
        reader.error(f.node, f.path, "must be HOST:PORT such as 127.0.0.1:8480\(zero), got '\(raw)'")
        return nil
    }

    func trafficSpec(_ field: YAMLField) -> TrafficSpec? {
        let keys = ["source", "rate", "dataset", "target", "model", "api_key_env", "headers", "stream"]
        guard let m = reader.mapping(field, allowed: keys, required: ["dataset"]) else {
            return nil
        }
        var target: String?
        if let f = m["target"], let raw = reader.string(f) {
            if let u = URL(string: raw), ["http", "https"].contains(u.scheme ?? ""), u.host != nil {
                target = raw
            } else {
                reader.error(f.node, f.path, "must be an http(s) URL such as http://127.0.0.1:8080 (your router's listener), got '\(raw)'")
            }
        }
        let source = m["source"].flatMap { reader.choice($0, TrafficSpec.Source.self) } ?? .sim
        let rate = m["rate"].flatMap { reader.double($0, in: 0.01...10_000) }
        if m["rate"] == nil && source != .external {
            reader.error(field.node, field.child("rate"), "required field is missing (requests per second)")
        }
        let dataset = m["dataset"].flatMap { reader.file($0) }
        guard let dataset, rate != nil || source == .external else { return nil }
        if let f = m["target"], source != .load {
            reader.error(f.node, f.path, "applies to traffic source 'load' only (it says where Rampart sends its requests)")
        }
        var spec = TrafficSpec(source: source, rate: rate ?? 0, dataset: dataset)
        spec.target = target
        for key in ["model", "api_key_env", "headers", "stream"] where source != .load {
            if let f = m[key] { reader.error(f.node, f.path, "applies to traffic source 'load' only (what its requests carry)") }
        }
        if let f = m["model"], let v = reader.string(f) { spec.model = v }
        if let f = m["api_key_env"] { spec.apiKeyEnv = keyVariable(f, like: "GATEWAY_API_KEY") }
        if let f = m["headers"], let h = headerMap(f) { spec.headers = h }
        if let f = m["stream"], let v = reader.bool(f) { spec.stream = v }
        return spec
    }
}
