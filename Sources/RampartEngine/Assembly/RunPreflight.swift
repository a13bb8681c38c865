import RampartAWS
import RampartCore

extension RunAssembly {
    /// What the run needs from the environment that is not there, one line each, before the
    /// first request: the secrets the spec names, and a region for every Bedrock model. Exit 69.
    public static func preflight(_ spec: PipelineSpec, environment: [String: String], gatesOnly: Bool = false) -> [String] {
        var lines = SecretPreflight.missing(spec, environment: environment, gatesOnly: gatesOnly).map(\.description)
        var models = spec.usesAWS ? [("baseline.bedrock", spec.baseline.bedrock), ("candidate.bedrock", spec.candidate.bedrock)] : []
        if spec.gates.contains(where: { $0.metric == .llmJudge }) { models.append(("judge", spec.judge?.bedrock)) }
        if spec.gates.contains(where: { $0.metric == .embeddingCosine }) { models.append(("embeddings", spec.bedrockEmbeddings)) }
        var setup: AWSSetup?
        for (name, model) in models {
            guard let b = model, b.region == nil else { continue }
            let s = setup ?? AWSSetup.load(environment: environment)
            setup = s
            if s.region() == nil {
                let sources = "AWS_REGION, AWS_DEFAULT_REGION or region in profile \(s.profile)"
                lines.append(
                    s.configuredRegion().map { "\(name) names no region and the configured one ('\($0)', from \(sources)) is not an AWS region name" }
                        ?? "\(name) names no region and none is configured (\(sources))")
            }
        }
        return lines
    }
}
