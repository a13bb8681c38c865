import Foundation
import Yams

/// The two versions: provider, model, pinned version, prompt and guardrails, endpoints and keys,
/// the simulator's profile, pricing; and the judge and embeddings endpoints.
extension SpecParser {
    func variant(_ field: YAMLField) -> VariantSpec? {
        let keys = ["provider", "model", "version", "allow_unpinned", "prompt_template", "guardrails", "pricing", "options", "openai", "bedrock"]
        guard let m = reader.mapping(field, allowed: keys, required: ["provider", "model", "version"]) else { return nil }
        let provider = m["provider"].flatMap { reader.choice($0, ProviderKind.self) }
        let model = m["model"].flatMap { reader.string($0) }
        let allowUnpinned = m["allow_unpinned"].flatMap { reader.bool($0) } ?? false
        var version: String?
        if let v = m["version"], let raw = reader.string(v, nonEmpty: false) {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            if SpecLoader.floatingVersions.contains(trimmed.lowercased()) && !allowUnpinned {
                let shown = trimmed.isEmpty ? "an empty version" : "'\(trimmed)'"
                reader.error(
                    v.node, v.path,
                    "model version is not pinned (\(shown)); pin an exact version, or set allow_unpinned: true to ship an untested model on purpose")
            } else {
                version = trimmed.isEmpty ? "unpinned" : trimmed
            }
        }
        let template = m["prompt_template"].flatMap { reader.file($0) }
        let guardrails = m["guardrails"].flatMap { reader.file($0) }
        let pricing = m["pricing"].flatMap { pricingSpec($0) } ?? Pricing()
        let sim = provider != .sim ? SimProfile() : (m["options"].flatMap { simProfile($0) } ?? SimProfile())
        var openai: OpenAIVariantSpec?
        if provider == .openai {
            if let f = m["options"] {
                reader.error(f.node, f.path, "sim options do not apply to an openai version; sampling settings go under 'openai'")
            }
            if let f = m["openai"] {
                let extra = ["temperature", "max_tokens", "seed"]
                if let o = reader.mapping(
                    f, allowed: ["base_url", "model", "api_key_env", "timeout", "headers"] + extra, required: ["base_url", "model"]),
                    let endpoint = endpoint(f, extra: extra, map: o)
                {
                    var spec = OpenAIVariantSpec(endpoint: endpoint)
                    spec.temperature = o["temperature"].flatMap { reader.double($0, in: 0...2) }
                    spec.maxTokens = o["max_tokens"].flatMap { reader.int($0, in: 1...1_000_000) }
                    spec.seed = o["seed"].flatMap { reader.int($0) }
                    openai = spec
                }
            } else {
                reader.error(
                    field.node, field.child("openai"), "required for provider openai: base_url, model (the id the server knows) and api_key_env")
            }
        } else if let f = m["openai"] {
            reader.error(f.node, f.path, "applies to provider openai only")
        }
        var bedrock: BedrockVariantSpec?
        if provider == .bedrock {
            if let f = m["options"] {
                reader.error(f.node, f.path, "sim options do not apply to a bedrock version; inference settings go under 'bedrock'")
            }
            if let f = m["bedrock"] {
                bedrock = bedrockSpec(f, allowUnpinned: allowUnpinned)
            } else {
                reader.error(
                    field.node, field.child("bedrock"),
                    "required for provider bedrock: model_id (such as anthropic.claude-3-5-sonnet-20240620-v1:0) and, unless AWS_REGION is set, region"
                )
            }
        } else if let f = m["bedrock"] {
            reader.error(f.node, f.path, "applies to provider bedrock only")
        }
        guard let provider, let model, let version else { return nil }
        var v = VariantSpec(
            provider: provider, model: model, version: version, allowUnpinned: allowUnpinned,
            promptTemplate: template, guardrails: guardrails, pricing: pricing, sim: sim)
        v.openai = openai
        v.bedrock = bedrock
        return v
    }

    /// An OpenAI-compatible endpoint; `extra` names the keys the caller reads itself.
    func endpoint(_ field: YAMLField, extra: [String], map given: [String: YAMLField]? = nil) -> EndpointSpec? {
        let keys = ["base_url", "model", "api_key_env", "timeout", "headers"] + extra
        guard let m = given ?? reader.mapping(field, allowed: keys, required: ["base_url", "model"]) else { return nil }
        var url: String?
        if let f = m["base_url"], let raw = reader.string(f) {
            if let u = URL(string: raw), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil {
                url = raw
            } else {
                reader.error(f.node, f.path, "must be an http(s) URL such as http://127.0.0.1:4000/v1, got '\(raw)'")
            }
        }
        let model = m["model"].flatMap { reader.string($0) }
        let keyEnv = m["api_key_env"].flatMap { keyVariable($0, like: "OPENAI_API_KEY") }
        let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 0.1) } ?? 60
        let headers = m["headers"].flatMap { headerMap($0) } ?? [:]
        guard let url, let model else { return nil }
        return EndpointSpec(baseURL: url, model: model, apiKeyEnv: keyEnv, timeout: timeout, headers: headers)
    }

    /// The name of the environment variable that holds a key; a value that looks like the key
    /// itself is refused, so no secret sits in a spec.
    func keyVariable(_ f: YAMLField, like example: String) -> String? {
        guard let raw = reader.string(f) else { return nil }
        if raw.hasPrefix("sk-") || raw.count > 64 || raw.contains(where: { !($0.isLetter || $0.isNumber || $0 == "_") }) {
            reader.error(f.node, f.path, "must name an environment variable (like \(example)), never hold the key itself")
            return nil
        }
        return raw
    }

    /// Extra request headers. A key belongs in `api_key_env`, never here: an `Authorization`
    /// header with a literal value is refused so no secret sits in a spec.
    func headerMap(_ field: YAMLField) -> [String: String]? {
        guard let entries = reader.stringMap(field) else { return nil }
        var out: [String: String] = [:]
        for (name, value, node) in entries {
            let lower = name.lowercased()
            if lower == "authorization" || lower == "api-key" || lower == "x-api-key" {
                reader.error(node, field.child(name), "a key never goes in a spec: name its environment variable in api_key_env")
            } else if ProxyHeaderRules.hopByHop.contains(lower) || lower == "content-length" || lower == "content-type" {
                reader.error(node, field.child(name), "'\(name)' is set by Rampart and cannot be overridden")
            } else if name.contains(where: { $0 == ":" || $0.isWhitespace }) || value.contains(where: \.isNewline) {
                reader.error(node, field.child(name), "not a valid header (a name without ':' or spaces, a value on one line)")
            } else {
                out[name] = value
            }
        }
        return out
    }

    /// `judge:` on an OpenAI-compatible server (`base_url`, `model`, `api_key_env`), or with
    /// `provider: bedrock` on Bedrock (`model_id`, `region`, `endpoint`).
    func judgeSpec(_ field: YAMLField) -> JudgeSpec? {
        if isBedrock(field) {
            let keys = ["provider", "rubric", "max_calls", "allow_unpinned"] + Self.bedrockModelKeys
            guard let m = reader.mapping(field, allowed: keys, required: ["model_id", "rubric"]) else { return nil }
            let allowUnpinned = m["allow_unpinned"].flatMap { reader.bool($0) } ?? false
            let model = bedrockSettings(m, allowUnpinned: allowUnpinned)
            let rubric = m["rubric"].flatMap { reader.string($0) }
            let maxCalls = m["max_calls"].flatMap { reader.int($0, in: 1...10_000_000) } ?? 1000
            guard let model, let rubric else { return nil }
            return JudgeSpec(endpoint: nil, bedrock: model, rubric: rubric, maxCalls: maxCalls)
        }
        let keys = ["provider", "base_url", "model", "api_key_env", "timeout", "headers", "rubric", "max_calls"]
        guard let m = reader.mapping(field, allowed: keys, required: ["base_url", "model", "rubric"]) else { return nil }
        let endpoint = self.endpoint(field, extra: ["provider", "rubric", "max_calls"], map: m)
        let rubric = m["rubric"].flatMap { reader.string($0) }
        let maxCalls = m["max_calls"].flatMap { reader.int($0, in: 1...10_000_000) } ?? 1000
        guard let endpoint, let rubric else { return nil }
        return JudgeSpec(endpoint: endpoint, rubric: rubric, maxCalls: maxCalls)
    }

    /// Whether a judge or embeddings section says `provider: bedrock` (anything but `openai`
    /// there is reported).
    func isBedrock(_ field: YAMLField) -> Bool {
        guard case .mapping(let map) = field.node, let node = map["provider"] else { return false }
        let raw = node.scalar?.string ?? ""
        if raw == "bedrock" { return true }
        if raw != "openai" {
            reader.error(node, field.child("provider"), "must be one of: openai, bedrock; got '\(raw)'")
        }
        return false
    }

    /// `embeddings:` on an OpenAI-compatible server, or with `provider: bedrock` on Bedrock.
    func embeddingsSpec(_ field: YAMLField) -> (EndpointSpec?, BedrockVariantSpec?) {
        if isBedrock(field) {
            guard let m = reader.mapping(field, allowed: ["provider", "allow_unpinned"] + Self.bedrockModelKeys, required: ["model_id"])
            else { return (nil, nil) }
            return (nil, bedrockSettings(m, allowUnpinned: m["allow_unpinned"].flatMap { reader.bool($0) } ?? false))
        }
        guard
            let m = reader.mapping(
                field, allowed: ["provider", "base_url", "model", "api_key_env", "timeout", "headers"], required: ["base_url", "model"])
        else { return (nil, nil) }
        return (endpoint(field, extra: ["provider"], map: m), nil)
    }

    func pricingSpec(_ field: YAMLField) -> Pricing? {
        guard let m = reader.mapping(field, allowed: ["prompt_per_1k", "completion_per_1k"]) else { return nil }
        var p = Pricing()
        if let f = m["prompt_per_1k"], let v = reader.double(f, in: 0...1_000) { p.promptPer1K = v }
        if let f = m["completion_per_1k"], let v = reader.double(f, in: 0...1_000) { p.completionPer1K = v }
        return p
    }

    func simProfile(_ field: YAMLField) -> SimProfile? {
        let keys = [
            "drop", "swap", "substitute", "latency_median_ms", "latency_p99_ms", "error_rate", "refuse_harmful",
            "refuse_benign", "injection_leak", "verbosity",
        ]
        guard let m = reader.mapping(field, allowed: keys) else { return nil }
        var p = SimProfile()
        func probability(_ key: String, _ apply: (Double) -> Void) {
            if let f = m[key], let v = reader.double(f, in: 0...1) { apply(v) }
        }
        probability("drop") { p.drop = $0 }
        probability("swap") { p.swap = $0 }
        probability("substitute") { p.substitute = $0 }
        probability("error_rate") { p.errorRate = $0 }
        probability("refuse_harmful") { p.refuseHarmful = $0 }
        probability("refuse_benign") { p.refuseBenign = $0 }
        probability("injection_leak") { p.injectionLeak = $0 }
        if let f = m["latency_median_ms"], let v = reader.double(f, in: 1...600_000) { p.latencyMedianMs = v }
        if let f = m["latency_p99_ms"], let v = reader.double(f, in: 1...600_000) {
            if v < p.latencyMedianMs {
                reader.error(f.node, f.path, "must be at least latency_median_ms (\(p.latencyMedianMs)), got \(v)")
            } else {
                p.latencyP99Ms = v
            }
        } else if m["latency_p99_ms"] == nil, p.latencyP99Ms < p.latencyMedianMs {
            p.latencyP99Ms = p.latencyMedianMs * 3
        }
        if let f = m["verbosity"], let v = reader.double(f, in: 0.1...10) { p.verbosity = v }
        return p
    }
}
