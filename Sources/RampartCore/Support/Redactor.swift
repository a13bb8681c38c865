/// Keeps secrets out of events and recordings: the values of the API-key variables a spec names,
/// and of any variable whose name says it holds a secret, are replaced wherever they appear in
/// text Rampart records (build output, notification errors).
public struct Redactor: Sendable {
    public static let mask = "[REDACTED]"
    let secrets: [String]

    /// Values shorter than 8 characters are left alone: redacting "1" or "true" would mangle output.
    public init(environment: [String: String], named: [String]) {
        let suffixes = ["_KEY", "_TOKEN", "_SECRET", "_PASSWORD", "_APIKEY"]
        var values: [String] = []
        for (name, value) in environment where value.count >= 8 {
            let upper = name.uppercased()
            if named.contains(name) || suffixes.contains(where: { upper.hasSuffix($0) }) { values.append(value) }
        }
        // Derived forms too: a key printed without its `sk-` (or `sk-proj-`) prefix is the same secret.
        var all = Set(values)
        for v in values { all.formUnion(Self.withoutPrefixes(v)) }
        // Longest first, so a secret that contains another is masked whole.
        secrets = all.sorted { $0.count > $1.count }
    }

    /// `sk-proj-abc…` → `proj-abc…`, `abc…`: short alphabetic prefixes ending in `-` or `_`,
    /// as long as what remains is still long enough to be worth masking.
    static func withoutPrefixes(_ value: String) -> [String] {
        var out: [String] = []
        var rest = Substring(value)
        while let cut = rest.firstIndex(where: { $0 == "-" || $0 == "_" }),
            rest.distance(from: rest.startIndex, to: cut) <= 8,
            rest[..<cut].allSatisfy({ $0.isLetter }),
            rest.distance(from: cut, to: rest.endIndex) > 12
        {
            rest = rest[rest.index(after: cut)...]
            out.append(String(rest))
        }
        return out
    }

    public func redact(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) { out = out.replacingOccurrences(of: s, with: Self.mask) }
        return out
    }
}

extension PipelineSpec {
    /// The environment variables this spec says hold secrets: API keys and webhook URLs.
    public var secretVariables: [String] {
        let webhooks = notify.compactMap { n -> String? in
            if case .webhook(let name, true, _, _) = n.kind { return name }
            return nil
        }
        var prometheusToken: String?
        var kinds: [String] = []
        if case .prometheus(let p) = canary?.metricsSource { prometheusToken = p.tokenEnv }
        if case .kind(let k) = canary?.metricsSource { kinds += k.secretVariables }
        if case .kind(let k) = canary?.router { kinds += k.secretVariables }
        return [
            judge?.endpoint?.apiKeyEnv, embeddings?.apiKeyEnv, baseline.openai?.endpoint.apiKeyEnv, candidate.openai?.endpoint.apiKeyEnv,
            prometheusToken, canary?.traffic.apiKeyEnv,
        ]
        .compactMap { $0 } + webhooks + kinds
    }
}
