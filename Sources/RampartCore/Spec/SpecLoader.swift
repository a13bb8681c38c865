import Foundation
import Yams

/// Loads and validates a pipeline spec (format v1), reporting every problem at once.
///
/// The YAML is composed into nodes rather than decoded with `Codable` because users need the line
/// and column of each mistake, and because unknown keys must be errors: a typo such as
/// `max_ration` silently ignored would disable a safety check.
public enum SpecLoader {
    /// Model versions that float: shipping against one of these means shipping an untested model.
    public static let floatingVersions: Set<String> = ["", "latest", "*", "default", "stable", "current", "newest"]

    public static func load(file: String) throws(InvalidInput) -> PipelineSpec {
        let text = try InputFile.read(file, what: "the spec")
        let directory = (file as NSString).deletingLastPathComponent
        return try parse(text, file: file, directory: directory.isEmpty ? "." : directory)
    }

    public static func parse(_ text: String, file: String, directory: String) throws(InvalidInput) -> PipelineSpec {
        let root = try compose(text, file: file, what: "the spec")
        let reader = YAMLReader(file: file, directory: directory)
        let spec = SpecParser(reader: reader).pipeline(YAMLField(node: root, path: ""), file: file, directory: directory)
        if let spec, reader.diagnostics.isEmpty { return spec }
        throw InvalidInput(reader.report)
    }

    /// YAML text to a node tree, with syntax errors and duplicate keys as diagnostics.
    static func compose(_ text: String, file: String, what: String) throws(InvalidInput) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw InvalidInput([Diagnostic(file: file, line: 1, column: 1, path: "", message: "\(what) is empty")])
            }
            return node
        } catch let invalid as InvalidInput {
            throw invalid
        } catch let yaml as YamlError {
            if case .duplicatedKeysInMapping(let keys, let context) = yaml {
                throw InvalidInput(keys.sorted().map { duplicateDiagnostic(key: $0, from: context.mark, text: text, file: file) })
            }
            throw InvalidInput([syntaxDiagnostic(yaml, file: file)])
        } catch {
            throw InvalidInput([Diagnostic(file: file, line: 1, column: 1, path: "", message: "not valid YAML: \(error)")])
        }
    }

    /// A what-if policy for `rampart replay --judge`: the canary keys that change how traffic is
    /// judged (`judge`, `metrics`, `analysis_interval`, `min_samples`, `failure_limit`), on
    /// their own or under `canary:`.
    public static func parsePolicy(_ text: String, file: String) throws(InvalidInput) -> JudgingPolicy {
        let root = try compose(text, file: file, what: "the policy")
        let reader = YAMLReader(file: file, directory: (file as NSString).deletingLastPathComponent)
        let parser = SpecParser(reader: reader)
        var field = YAMLField(node: root, path: "")
        if case .mapping(let m) = root, m.count == 1, let inner = m["canary"] { field = YAMLField(node: inner, path: "canary") }
        var policy = JudgingPolicy()
        if let m = reader.mapping(field, allowed: ["judge", "metrics", "analysis_interval", "min_samples", "failure_limit"]) {
            if let f = m["judge"] { policy.judge = parser.judgePolicy(f) }
            var explicit: Set<CanaryMetric> = []
            if let f = m["metrics"] { policy.metrics = parser.metricChecks(f, explicitTypes: &explicit) }
            if let f = m["analysis_interval"] { policy.analysisInterval = reader.duration(f, minimum: 1) }
            if let f = m["min_samples"] { policy.minSamples = reader.int(f, in: 1...1_000_000) }
            if let f = m["failure_limit"] { policy.failureLimit = reader.int(f, in: 1...100) }
        }
        if !reader.diagnostics.isEmpty { throw InvalidInput(reader.report) }
        return policy
    }

    /// Yams reports a duplicated key at its mapping; point at the second occurrence instead.
    static func duplicateDiagnostic(key: String, from mark: Mark, text: String, file: String) -> Diagnostic {
        var seen: (indent: Int, line: Int)?
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where index + 1 >= mark.line {
            let body = line.drop { $0 == " " || $0 == "-" }
            let indent = line.count - body.count
            guard body.hasPrefix(key), body.dropFirst(key.count).drop(while: { $0 == " " }).first == ":" else { continue }
            if let first = seen, first.indent == indent {
                return Diagnostic(
                    file: file, line: index + 1, column: indent + 1, path: key, message: "duplicate key '\(key)' (first on line \(first.line))")
            }
            if seen == nil { seen = (indent, index + 1) }
        }
        return Diagnostic(file: file, line: mark.line, column: mark.column, path: key, message: "duplicate key '\(key)'")
    }

    static func syntaxDiagnostic(_ error: YamlError, file: String) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return Diagnostic(file: file, line: mark.line, column: mark.column, path: "", message: "YAML syntax error: \(detail)")
        case .reader(let problem, let offset, let value, let yaml):
            // The reader (bad bytes, control characters) gives an offset in characters: say where.
            var line = 1
            var column = 1
            for character in yaml.prefix(offset ?? 0) {
                if character == "\n" { line += 1; column = 1 } else { column += 1 }
            }
            let what = value >= 0 ? String(format: " (U+%04X)", value) : ""
            return Diagnostic(file: file, line: line, column: column, path: "", message: "YAML error: \(problem)\(what)")
        default:
            return Diagnostic(file: file, line: 1, column: 1, path: "", message: "YAML error: \(error)")
        }
    }

    public static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

/// What an INCONCLUSIVE gate does: block the pipeline, or let it go on flagged.
enum InconclusivePolicy: String, CaseIterable {
    case block, pass
}

/// The field-by-field walk of a spec document. Each method reads one section of the format.
struct SpecParser {
    let reader: YAMLReader

    func pipeline(_ root: YAMLField, file: String, directory: String) -> PipelineSpec? {
        let keys = ["format", "name", "seed", "baseline", "candidate", "build", "gates", "canary", "notify", "judge", "embeddings"]
        guard let top = reader.mapping(root, allowed: keys, required: ["name", "baseline", "candidate"]) else { return nil }
        if let f = top["format"], let format = reader.int(f), format != 1 {
            reader.error(f.node, f.path, "this Rampart reads spec format 1, got \(format)")
        }
        let name = top["name"].flatMap { reader.string($0) }
        if let n = top["name"], let name, name.contains(where: { $0 == "/" || $0.isNewline }) {
            reader.error(n.node, n.path, "must not contain '/' or line breaks (it names the run file)")
        }
        let seed = top["seed"].flatMap { reader.uint64($0) } ?? 1
        let baseline = top["baseline"].flatMap { variant($0) }
        let candidate = top["candidate"].flatMap { variant($0) }
        let build = top["build"].map { buildSteps($0) } ?? []
        let gates = top["gates"].map { gateList($0) } ?? []
        let canary = top["canary"].flatMap { canarySpec($0) }
        let notify = top["notify"].map { notifyList($0) } ?? []
        let judge = top["judge"].flatMap { judgeSpec($0) }
        let embeddings = top["embeddings"].flatMap { endpoint($0, extra: []) }
        if let g = top["gates"], case .sequence(let items) = g.node {
            for (i, item) in items.enumerated() {
                guard case .mapping(let map) = item, let metricNode = map["metric"], let raw = metricNode.scalar?.string else { continue }
                let path = "gates[\(i)].metric"
                if raw == GoldenMetric.llmJudge.rawValue && top["judge"] == nil {
                    reader.error(metricNode, path, "llm_judge needs a top-level 'judge' section (base_url, model, rubric)")
                }
                if raw == GoldenMetric.embeddingCosine.rawValue && top["embeddings"] == nil {
                    reader.error(metricNode, path, "embedding_cosine needs a top-level 'embeddings' section (base_url, model)")
                }
            }
        }
        guard let name, let baseline, let candidate else { return nil }
        var spec = PipelineSpec(
            name: name, baseline: baseline, candidate: candidate, build: build, gates: gates, canary: canary,
            notify: notify, seed: seed, file: file, directory: directory)
        spec.judge = judge
        spec.embeddings = embeddings
        return spec
    }

    func variant(_ field: YAMLField) -> VariantSpec? {
        let keys = ["provider", "model", "version", "allow_unpinned", "prompt_template", "guardrails", "pricing", "options", "openai"]
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
        let sim = provider == .openai ? SimProfile() : (m["options"].flatMap { simProfile($0) } ?? SimProfile())
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
        guard let provider, let model, let version else { return nil }
        var v = VariantSpec(
            provider: provider, model: model, version: version, allowUnpinned: allowUnpinned,
            promptTemplate: template, guardrails: guardrails, pricing: pricing, sim: sim)
        v.openai = openai
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

    func judgeSpec(_ field: YAMLField) -> JudgeSpec? {
        let keys = ["base_url", "model", "api_key_env", "timeout", "headers", "rubric", "max_calls"]
        guard let m = reader.mapping(field, allowed: keys, required: ["base_url", "model", "rubric"]) else { return nil }
        let endpoint = self.endpoint(field, extra: ["rubric", "max_calls"], map: m)
        let rubric = m["rubric"].flatMap { reader.string($0) }
        let maxCalls = m["max_calls"].flatMap { reader.int($0, in: 1...10_000_000) } ?? 1000
        guard let endpoint, let rubric else { return nil }
        return JudgeSpec(endpoint: endpoint, rubric: rubric, maxCalls: maxCalls)
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

    func canarySpec(_ field: YAMLField) -> CanarySpec? {
        let keys = [
            "router", "traffic", "proxy", "judge", "steps", "metrics", "metrics_source", "analysis_interval", "failure_limit", "min_samples",
            "evidence_guard",
        ]
        guard let m = reader.mapping(field, allowed: keys, required: ["traffic", "steps", "metrics"]) else { return nil }
        let router = m["router"].flatMap { routerSpec($0) } ?? .builtin
        let traffic = m["traffic"].flatMap { trafficSpec($0) }
        let proxy = m["proxy"].map { proxySpec($0) } ?? ProxySpec()
        let steps = m["steps"].map { canarySteps($0) }
        var explicitQueryTypes: Set<CanaryMetric> = []
        let metrics = m["metrics"].map { metricChecks($0, explicitTypes: &explicitQueryTypes) }
        let interval = m["analysis_interval"].flatMap { reader.duration($0, minimum: 1) } ?? 10
        let failureLimit = m["failure_limit"].flatMap { reader.int($0, in: 1...100) } ?? 2
        let minSamples = m["min_samples"].flatMap { reader.int($0, in: 1...1_000_000) } ?? 20
        let parsedSource = m["metrics_source"].flatMap { metricsSource($0) }
        let source = parsedSource ?? .observations
        let judge = m["judge"].map { judgePolicy($0) } ?? JudgePolicy()
        let evidenceGuard = m["evidence_guard"].map { evidenceGuardSettings($0) } ?? EvidenceGuard.Settings()
        // A source that failed to parse has been reported; checks that depend on it would only echo it.
        let sourceKnown = m["metrics_source"] == nil || parsedSource != nil
        if let traffic {
            checkDataPlane(m, router: router, traffic: traffic, proxy: proxy, source: sourceKnown ? source : nil)
        }
        guard let traffic, var metrics, let steps, !steps.isEmpty else { return nil }
        if case .prometheus = source {
            metrics = prometheusChecks(m, metrics, judge: judge, explicitTypes: explicitQueryTypes)
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
        return spec
    }

    /// `evidence_guard: off`, or a mapping with `max_error_rate` and `min_requests`.
    func evidenceGuardSettings(_ field: YAMLField) -> EvidenceGuard.Settings {
        var g = EvidenceGuard.Settings()
        if case .scalar = field.node {
            if let on = reader.bool(field) { g.enabled = on }
            return g
        }
        guard let m = reader.mapping(field, allowed: ["enabled", "max_error_rate", "min_requests"]) else { return g }
        if let f = m["enabled"], let on = reader.bool(f) { g.enabled = on }
        if let f = m["max_error_rate"], let v = reader.double(f, in: 0.01...1) { g.maxErrorRate = v }
        if let f = m["min_requests"], let v = reader.int(f, in: 1...1_000_000) { g.minRequests = v }
        return g
    }

    /// Which combinations of traffic source, router, proxy and metrics source make a data plane
    /// that can both move traffic and see it.
    private func checkDataPlane(_ m: [String: YAMLField], router: RouterSpec, traffic: TrafficSpec, proxy: ProxySpec, source: MetricsSourceSpec?) {
        let prometheus = source != .observations
        if traffic.source == .sim {
            if let f = m["proxy"] {
                reader.error(f.node, f.path, "has no effect with traffic source 'sim' (in-process); use source 'load' or 'external'")
            }
            if prometheus, let f = m["metrics_source"] {
                reader.error(
                    f.node, f.path, "Prometheus cannot see traffic source 'sim' (answered inside the engine); use source 'load' or 'external'")
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
                "with traffic source '\(traffic.source.rawValue)' and the \(router.name) router nothing would observe the canary: add proxy.meter (one listener per version for your router's upstream) or metrics_source prometheus"
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

    /// `metrics_source: observations`, or a mapping with `kind: prometheus` and its settings.
    func metricsSource(_ field: YAMLField) -> MetricsSourceSpec? {
        if case .scalar = field.node {
            guard let name = reader.string(field) else { return nil }
            if name == "observations" { return .observations }
            reader.error(
                field.node, field.path,
                name == "prometheus"
                    ? "prometheus needs settings: write it as a mapping with kind: prometheus and url"
                    : "must be one of: observations, prometheus; got '\(name)'")
            return nil
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
            reader.error(k.node, k.path, "must be one of: observations, prometheus; got '\(kind)'")
            return nil
        }
    }

    private func checkPlaceholders(_ query: String, _ f: YAMLField) {
        for name in PromQLTemplate.unknownPlaceholders(in: query) {
            reader.error(
                f.node, f.path, "unknown placeholder {{\(name)}} (known: \(PromQLTemplate.placeholders.map { "{{\($0)}}" }.joined(separator: ", ")))")
        }
    }

    /// Fills the built-in queries and the judge's query type, and refuses what cannot be judged
    /// from aggregates.
    private func prometheusChecks(_ m: [String: YAMLField], _ checks: [MetricCheck], judge: JudgePolicy, explicitTypes: Set<CanaryMetric>)
        -> [MetricCheck]
    {
        let field = m["metrics"]!
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

    /// `judge: sequential`, or a mapping with `kind` and its settings.
    func judgePolicy(_ field: YAMLField) -> JudgePolicy {
        var p = JudgePolicy()
        if case .scalar = field.node {
            if let k = reader.choice(field, JudgePolicy.Kind.self) { p.kind = k }
            return p
        }
        let keys = ["kind", "alpha_rollback", "alpha_promote", "on_inconclusive", "hold", "pass", "marginal", "bucket"]
        guard let m = reader.mapping(field, allowed: keys) else { return p }
        if let f = m["kind"], let k = reader.choice(f, JudgePolicy.Kind.self) { p.kind = k }
        if let f = m["alpha_rollback"], let a = reader.double(f, in: 0.0001...0.5) { p.alphaRollback = a }
        if let f = m["alpha_promote"], let a = reader.double(f, in: 0.0001...0.5) { p.alphaPromote = a }
        if let f = m["on_inconclusive"], let o = reader.choice(f, JudgePolicy.OnInconclusive.self) { p.onInconclusive = o }
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
        for key in ["alpha_rollback", "alpha_promote"] where p.kind != .sequential {
            if let f = m[key] { reader.error(f.node, f.path, "applies to the sequential judge only (kind is \(p.kind.rawValue))") }
        }
        return p
    }

    /// `router: builtin`, or a mapping with `kind: file | command`.
    func routerSpec(_ field: YAMLField) -> RouterSpec? {
        if case .scalar = field.node {
            guard let name = reader.string(field) else { return nil }
            if name == "builtin" { return .builtin }
            if name == "file" || name == "command" {
                reader.error(
                    field.node, field.path,
                    "router '\(name)' needs settings: write it as a mapping with kind: \(name) and \(name == "file" ? "path" : "run")")
            } else {
                reader.error(field.node, field.path, "must be one of: builtin, file, command, nginx; got '\(name)'")
            }
            return nil
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
            var missing = false
            for key in ["path", "upstream", "baseline", "candidate"] where m[key] == nil {
                reader.error(field.node, field.child(key), "required field is missing")
                missing = true
            }
            guard !missing, let raw = reader.string(m["path"]!), let upstream = reader.string(m["upstream"]!),
                let b = reader.string(m["baseline"]!), let c = reader.string(m["candidate"]!)
            else { return nil }
            for (key, value) in [("baseline", b), ("candidate", c)] where value.contains("://") || !value.contains(":") {
                reader.error(m[key]!.node, m[key]!.path, "must be host:port as nginx's server directive takes it (no scheme), got '\(value)'")
            }
            var spec = NginxRouterSpec(
                path: raw.hasPrefix("/") ? raw : (reader.directory as NSString).appendingPathComponent(raw), upstream: upstream, baseline: b,
                candidate: c)
            if let f = m["test"], let t = reader.string(f) { spec.test = t }
            if let f = m["reload"], let r = reader.string(f) { spec.reload = r }
            if let f = m["timeout"], let t = reader.duration(f, minimum: 0.001) { spec.timeout = t }
            return .nginx(spec)
        default:
            reader.error(kindField.node, kindField.path, "must be one of: builtin, file, command, nginx; got '\(kind)'")
            return nil
        }
    }

    func proxySpec(_ field: YAMLField) -> ProxySpec {
        var p = ProxySpec()
        let keys = ["listen", "sticky_header", "upstream_timeout", "baseline_url", "candidate_url", "quality_sample", "meter", "ca_file"]
        guard let m = reader.mapping(field, allowed: keys) else { return p }
        if let f = m["listen"], let hp = hostPort(f, allowZero: true) {
            p.host = hp.host
            p.port = hp.port
        }
        if let f = m["meter"], let mm = reader.mapping(f, allowed: ["baseline", "candidate"], required: ["baseline", "candidate"]),
            let b = mm["baseline"].flatMap({ hostPort($0, allowZero: false) }), let c = mm["candidate"].flatMap({ hostPort($0, allowZero: false) })
        {
            if b == c { reader.error(mm["candidate"]!.node, mm["candidate"]!.path, "must differ from the baseline's listener (\(b))") }
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
            let keys = ["metric", "max_ratio", "max_increase", "max_decrease", "max", "min", "role", "require", "query", "query_type", "aggregate"]
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

    func notifyList(_ field: YAMLField) -> [NotifySpec] {
        guard let items = reader.sequence(field) else { return [] }
        return items.compactMap { item in
            guard let m = reader.mapping(item, allowed: ["kind", "path", "run", "url", "url_env", "retries", "timeout", "on"], required: ["kind"])
            else {
                return nil
            }
            guard let kindField = m["kind"], let kindName = reader.string(kindField) else { return nil }
            var on: Set<NotificationTrigger> = []
            if let f = m["on"], let triggers = reader.sequence(f) {
                for t in triggers { if let v = reader.choice(t, NotificationTrigger.self) { on.insert(v) } }
            }
            switch kindName {
            case "file":
                if let f = m["run"] { reader.error(f.node, f.path, "a file notifier takes 'path', not 'run'") }
                guard let p = m["path"] else {
                    reader.error(item.node, item.child("path"), "required field is missing")
                    return nil
                }
                guard let raw = reader.string(p) else { return nil }
                let resolved = raw.hasPrefix("/") ? raw : (reader.directory as NSString).appendingPathComponent(raw)
                return NotifySpec(kind: .file(path: resolved), on: on)
            case "command":
                if let f = m["path"] { reader.error(f.node, f.path, "a command notifier takes 'run', not 'path'") }
                guard let r = m["run"] else {
                    reader.error(item.node, item.child("run"), "required field is missing")
                    return nil
                }
                let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 0.001) } ?? 30
                guard let run = reader.string(r) else { return nil }
                return NotifySpec(kind: .command(run: run, timeout: timeout), on: on)
            case "webhook":
                let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 0.001) } ?? 10
                let retries = m["retries"].flatMap { reader.int($0, in: 0...10) } ?? 2
                if let f = m["url_env"], let name = reader.string(f) {
                    if m["url"] != nil { reader.error(f.node, f.path, "give url or url_env, not both") }
                    return NotifySpec(kind: .webhook(url: name, fromEnvironment: true, timeout: timeout, retries: retries), on: on)
                }
                guard let f = m["url"] else {
                    reader.error(item.node, item.child("url"), "required field is missing (or name the variable holding it with url_env)")
                    return nil
                }
                guard let url = reader.string(f) else { return nil }
                if URL(string: url).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
                    reader.error(f.node, f.path, "must be an http(s) URL, got '\(url)'")
                    return nil
                }
                return NotifySpec(kind: .webhook(url: url, fromEnvironment: false, timeout: timeout, retries: retries), on: on)
            default:
                reader.error(kindField.node, kindField.path, "must be one of: file, command, webhook; got '\(kindName)'")
                return nil
            }
        }
    }
}
