/// Finds the secrets a run needs that the environment does not hold, before the first request:
/// a missing API key is one clear line and exit 69, never 2,700 requests that each fail with 401.
public enum SecretPreflight {
    public struct Missing: Sendable, Equatable, CustomStringConvertible {
        /// The spec field that names the variable, e.g. `candidate.openai.api_key_env`.
        public var field: String
        public var variable: String

        public var description: String { "\(field) names \(variable), which is not set in the environment" }
    }

    /// Every variable the spec names for a secret it will use, that is unset or empty.
    /// `gatesOnly` leaves out what only the canary and notifications need (`rampart eval`).
    public static func missing(_ spec: PipelineSpec, environment: [String: String], gatesOnly: Bool = false) -> [Missing] {
        var wanted: [(String, String?)] = []
        let usesModels = !spec.gates.isEmpty || (!gatesOnly && spec.canary != nil)
        if usesModels {
            wanted.append(("baseline.openai.api_key_env", spec.baseline.openai?.endpoint.apiKeyEnv))
            wanted.append(("candidate.openai.api_key_env", spec.candidate.openai?.endpoint.apiKeyEnv))
        }
        if spec.gates.contains(where: { $0.metric == .llmJudge }) { wanted.append(("judge.api_key_env", spec.judge?.endpoint?.apiKeyEnv)) }
        if spec.gates.contains(where: { $0.metric == .embeddingCosine }) {
            wanted.append(("embeddings.api_key_env", spec.embeddings?.apiKeyEnv))
        }
        if !gatesOnly, let canary = spec.canary {
            if case .prometheus(let p) = canary.metricsSource { wanted.append(("canary.metrics_source.token_env", p.tokenEnv)) }
            if case .kind(let k) = canary.metricsSource { wanted += k.secretVariables.map { ("canary.metrics_source", $0) } }
            if case .kind(let k) = canary.router { wanted += k.secretVariables.map { ("canary.router", $0) } }
            if let key = canary.traffic.apiKeyEnv { wanted.append(("canary.traffic.api_key_env", key)) }
        }
        if !gatesOnly {
            for (i, n) in spec.notify.enumerated() {
                if case .webhook(let name, true, _, _) = n.kind { wanted.append(("notify[\(i)].url_env", name)) }
            }
        }
        var seen: Set<String> = []
        return wanted.compactMap { field, variable in
            guard let variable, (environment[variable] ?? "").isEmpty, seen.insert("\(field) \(variable)").inserted else { return nil }
            return Missing(field: field, variable: variable)
        }
    }
}
