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

    /// `kinds`: the routers and metrics sources defined outside the parser (`RunAssembly.kinds`).
    public static func load(file: String, kinds: SpecKinds = .builtIn) throws(InvalidInput) -> PipelineSpec {
        let text = try InputFile.read(file, what: "the spec")
        let directory = (file as NSString).deletingLastPathComponent
        return try parse(text, file: file, directory: directory.isEmpty ? "." : directory, kinds: kinds)
    }

    public static func parse(_ text: String, file: String, directory: String, kinds: SpecKinds = .builtIn) throws(InvalidInput) -> PipelineSpec {
        let root = try compose(text, file: file, what: "the spec")
        let reader = YAMLReader(file: file, directory: directory)
        let spec = SpecParser(reader: reader, kinds: kinds).pipeline(YAMLField(node: root, path: ""), file: file, directory: directory)
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
    var kinds: SpecKinds = .builtIn

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
        let (embeddings, bedrockEmbeddings) = top["embeddings"].map { embeddingsSpec($0) } ?? (nil, nil)
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
        if let c = top["canary"], let canary, let baseline, let candidate { checkBedrockCanary(c, canary, baseline, candidate) }
        guard let name, let baseline, let candidate else { return nil }
        var spec = PipelineSpec(
            name: name, baseline: baseline, candidate: candidate, build: build, gates: gates, canary: canary,
            notify: notify, seed: seed, file: file, directory: directory)
        spec.judge = judge
        spec.embeddings = embeddings
        spec.bedrockEmbeddings = bedrockEmbeddings
        return spec
    }
}
