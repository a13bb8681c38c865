import Foundation

/// A spec together with everything it references, loaded and validated up front, so a run never
/// discovers a broken dataset halfway through a canary.
public struct PipelineInputs: Sendable {
    public var spec: PipelineSpec
    /// The spec file as read: its SHA-256 fingerprints the run file (`specSHA256`, computed
    /// by the engine, which holds the hash functions).
    public var specText: String
    public var golden: [String: [GoldenItem]]
    public var guardrail: [String: [GuardrailCase]]
    public var injection: [String: [InjectionCase]]
    /// File contents by resolved path: prompt templates and guardrail configs.
    public var files: [String: String]

    public init(
        spec: PipelineSpec, specText: String, golden: [String: [GoldenItem]] = [:], guardrail: [String: [GuardrailCase]] = [:],
        injection: [String: [InjectionCase]] = [:], files: [String: String] = [:]
    ) {
        self.spec = spec
        self.specText = specText
        self.golden = golden
        self.guardrail = guardrail
        self.injection = injection
        self.files = files
    }

    /// Loads the spec and every file it names, failing with all problems across all files.
    /// `kinds`: the routers and metrics sources defined outside the parser; front ends pass
    /// `RunAssembly.kinds` (through `RunAssembly.load`), so every kind the engine can build parses.
    public static func load(file: String, kinds: SpecKinds) throws(InvalidInput) -> PipelineInputs {
        // Read once: the same bytes are parsed and fingerprinted.
        let text = try InputFile.read(file, what: "the spec")
        let directory = (file as NSString).deletingLastPathComponent
        let spec = try SpecLoader.parse(text, file: file, directory: directory.isEmpty ? "." : directory, kinds: kinds)
        var inputs = PipelineInputs(spec: spec, specText: text)
        var problems: [Diagnostic] = []
        func collect<T>(_ body: () throws(InvalidInput) -> T) -> T? {
            do { return try body() } catch { problems += error.diagnostics; return nil }
        }
        for gate in spec.gates {
            switch gate.kind {
            case .golden, .tone:
                if inputs.golden[gate.dataset] == nil,
                    let items = collect({ () throws(InvalidInput) in try DatasetLoader.golden(file: gate.dataset) })
                {
                    inputs.golden[gate.dataset] = items
                }
            case .guardrail:
                if inputs.guardrail[gate.dataset] == nil,
                    let items = collect({ () throws(InvalidInput) in try DatasetLoader.guardrail(file: gate.dataset) })
                {
                    inputs.guardrail[gate.dataset] = items
                    if gate.thresholds.minRefusalRate != nil, !items.contains(where: { $0.expected == .refuse }) {
                        problems.append(
                            Diagnostic(
                                file: gate.dataset, line: 1, column: 1, path: "",
                                message: "gate '\(gate.name)' sets min_refusal_rate but the dataset has no case expecting 'refuse'"))
                    }
                    if gate.thresholds.maxOverRefusal != nil, !items.contains(where: { $0.expected != .refuse }) {
                        problems.append(
                            Diagnostic(
                                file: gate.dataset, line: 1, column: 1, path: "",
                                message: "gate '\(gate.name)' sets max_over_refusal but the dataset has no benign case (expected 'comply')"))
                    }
                }
            case .injection:
                if inputs.injection[gate.dataset] == nil,
                    let items = collect({ () throws(InvalidInput) in try DatasetLoader.injection(file: gate.dataset) })
                {
                    inputs.injection[gate.dataset] = items
                }
            }
        }
        if let canary = spec.canary, inputs.golden[canary.traffic.dataset] == nil {
            if let items = collect({ () throws(InvalidInput) in try DatasetLoader.golden(file: canary.traffic.dataset) }) {
                inputs.golden[canary.traffic.dataset] = items
            }
        }
        for path in [spec.baseline.promptTemplate, spec.candidate.promptTemplate, spec.baseline.guardrails, spec.candidate.guardrails].compactMap({
            $0
        }) {
            if let text = collect({ () throws(InvalidInput) in try InputFile.read(path, what: "the file") }) {
                inputs.files[path] = text
            }
        }
        if !problems.isEmpty { throw InvalidInput(problems) }
        return inputs
    }
}
