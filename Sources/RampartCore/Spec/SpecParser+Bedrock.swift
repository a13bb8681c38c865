import Foundation
import Yams

/// A version on Amazon Bedrock: the model id (pinned unless the version says otherwise), the
/// region and endpoint, Converse's inference settings and the optional Bedrock guardrail.
extension SpecParser {
    static let bedrockModelKeys = ["model_id", "region", "endpoint", "timeout"]

    func bedrockSpec(_ field: YAMLField, allowUnpinned: Bool) -> BedrockVariantSpec? {
        let keys = Self.bedrockModelKeys + ["temperature", "max_tokens", "top_p", "stop_sequences", "guardrail"]
        guard let m = reader.mapping(field, allowed: keys, required: ["model_id"]), var spec = bedrockSettings(m, allowUnpinned: allowUnpinned)
        else { return nil }
        spec.temperature = m["temperature"].flatMap { reader.double($0, in: 0...1) }
        spec.maxTokens = m["max_tokens"].flatMap { reader.int($0, in: 1...1_000_000) }
        spec.topP = m["top_p"].flatMap { reader.double($0, in: 0...1) }
        if let f = m["stop_sequences"], let items = reader.sequence(f) {
            spec.stopSequences = items.compactMap { reader.string($0) }
            if items.count > 4 { reader.error(f.node, f.path, "Converse takes at most 4 stop sequences, got \(items.count)") }
        }
        if let f = m["guardrail"], let g = reader.mapping(f, allowed: ["identifier", "version"], required: ["identifier", "version"]),
            let identifier = g["identifier"].flatMap({ reader.string($0) }), let versionField = g["version"],
            let version = reader.string(versionField)
        {
            if version != "DRAFT" && !version.allSatisfy(\.isNumber) {
                reader.error(versionField.node, versionField.path, "must be a guardrail version number (or DRAFT), got '\(version)'")
            }
            spec.guardrail = BedrockVariantSpec.Guardrail(identifier: identifier, version: version)
        }
        return spec
    }

    /// The model and where it is: `model_id` (pinned unless allowed), `region`, `endpoint`, `timeout`.
    func bedrockSettings(_ m: [String: YAMLField], allowUnpinned: Bool) -> BedrockVariantSpec? {
        guard let idField = m["model_id"], let id = reader.string(idField) else { return nil }
        if id.contains(where: { $0.isWhitespace || $0 == "/" && !id.hasPrefix("arn:") }) {
            reader.error(idField.node, idField.path, "is not a Bedrock model id or ARN: '\(id)'")
            return nil
        }
        if !allowUnpinned && !BedrockVariantSpec.isPinned(id) {
            reader.error(
                idField.node, idField.path,
                "model id '\(id)' is not pinned to a version (no ':N' suffix); use a versioned id such as anthropic.claude-3-5-sonnet-20240620-v1:0, an inference profile or provisioned-throughput ARN, or set allow_unpinned: true"
            )
        }
        var spec = BedrockVariantSpec(modelID: id)
        if let f = m["region"], let region = reader.string(f) {
            if AWSRegionName.valid(region) {
                spec.region = region
            } else {
                reader.error(f.node, f.path, "must be an AWS region such as eu-west-1, got '\(region)'")
            }
        }
        if let f = m["endpoint"], let url = reader.string(f) {
            if URL(string: url).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) == true {
                spec.endpoint = url
            } else {
                reader.error(f.node, f.path, "must be an http(s) URL, got '\(url)'")
            }
        }
        if let f = m["timeout"], let t = reader.duration(f, minimum: 0.1) { spec.timeout = t }
        return spec
    }
}

extension SpecParser {
    /// Rampart's proxy and load generator speak the OpenAI protocol: for a Bedrock version they
    /// need the URL of the user's own app, or the canary would silently judge something else.
    func checkBedrockCanary(_ field: YAMLField, _ canary: CanarySpec, _ baseline: VariantSpec, _ candidate: VariantSpec) {
        guard canary.traffic.source == .load, canary.router == .builtin else { return }
        for (name, v, url) in [("baseline", baseline, canary.proxy.baselineURL), ("candidate", candidate, canary.proxy.candidateURL)]
        where v.provider == .bedrock && url == nil {
            reader.error(
                field.node, field.child("proxy.\(name)_url"),
                "the \(name) is a Bedrock model, which Rampart's proxy cannot call (it speaks the OpenAI protocol): give the URL of your app serving that version, use traffic source 'sim' (each canary request one Converse call), or an external router"
            )
        }
    }
}
