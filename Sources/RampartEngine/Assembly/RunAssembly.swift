import Foundation
import RampartAWS
import RampartCore

/// Builds a run's parts from the spec, the options and the environment, and is the only place
/// that knows which concrete provider, router, metrics source or notifier a spec names.
///
/// A new router or metrics source is a file with a type conforming to `RouterKind` or
/// `MetricSourceKind`, plus its line in `kinds`; the parser, the engine, the canary loop and the
/// CLI stay as they are.
public enum RunAssembly {
    /// The router and metrics-source kinds defined in files of their own, one line each.
    public static let kinds = SpecKinds(
        routers: [LambdaAliasRouter.self, AppConfigRouter.self],
        metricSources: [CloudWatchSource.self],
        publishers: [CloudWatchPublisher.self])

    /// The spec and every file it names, with every kind above understood.
    public static func load(file: String) throws(InvalidInput) -> PipelineInputs {
        try PipelineInputs.load(file: file, kinds: kinds)
    }

    /// Every part of a run. `dataPlane` is started by the caller (it listens on ports); the
    /// rest is built here and starts nothing.
    public static func parts(inputs: PipelineInputs, options: RunOptions, dataPlane: DataPlane? = nil) -> RunParts {
        let spec = inputs.spec
        let redactor = Redactor(environment: options.environment, named: spec.secretVariables)
        let aws = SharedAWS(environment: options.environment)
        return RunParts(
            baseline: provider(spec.baseline, .baseline, inputs: inputs, options: options, aws: aws),
            candidate: provider(spec.candidate, .candidate, inputs: inputs, options: options, aws: aws),
            notifiers: notifiers(spec, environment: options.environment, aws: aws),
            judge: judge(spec, options, aws: aws),
            embedder: embedder(spec, options, aws: aws),
            router: spec.canary.flatMap { router($0.router, pipeline: spec, environment: options.environment, redactor: redactor, aws: aws) },
            metricSource: spec.canary.flatMap {
                metricSource($0, pipeline: spec, environment: options.environment, redactor: redactor, aws: aws)
            },
            dataPlane: dataPlane,
            publisher: spec.canary?.publish.map { publisher($0, pipeline: spec, environment: options.environment, redactor: redactor, aws: aws) })
    }

    /// Where `canary.publish` sends each interval's measurements.
    public static func publisher(
        _ publish: PublishSpec, pipeline: PipelineSpec, environment: [String: String], redactor: Redactor, aws: SharedAWS? = nil
    ) -> any MetricPublisher {
        let context = KindContext(pipeline: pipeline, environment: environment, redactor: redactor, aws: aws)
        return (publish.settings as? any PublisherKind)?.publisher(context)
            ?? UnbuildablePublisher(name: publish.name, why: "publisher kind \(publish.name) is not built by this Rampart")
    }

    /// The model behind one version.
    public static func provider(
        _ v: VariantSpec, _ variant: Variant, inputs: PipelineInputs, options: RunOptions, aws: SharedAWS? = nil
    ) -> any ModelProvider {
        switch v.provider {
        case .openai:
            if let o = v.openai { return OpenAIProvider(spec: o, environment: options.environment) }
        case .bedrock:
            if let b = v.bedrock {
                let runtime = (aws ?? SharedAWS(environment: options.environment)).runtime
                guard let region = runtime.setup.region(b.region) else { return UnavailableProvider(failure: AWSRuntime.noRegion(b.modelID)) }
                return BedrockProvider(spec: b, client: runtime.client(.bedrockRuntime, region: region, endpoint: b.endpoint, timeout: b.timeout))
            }
        case .sim:
            break
        }
        return SimProvider(
            profile: v.sim, systemPrompt: v.promptTemplate.flatMap { inputs.files[$0] } ?? "", seed: options.seed, variant: variant,
            model: v.model, version: v.version)
    }

    /// The router that moves traffic outside this process; nil for `builtin`, whose split lives
    /// in this process and ends with it. `rampart recover` builds the same router from the same
    /// spec after a crash.
    public static func router(
        _ router: RouterSpec, pipeline: PipelineSpec, environment: [String: String], redactor: Redactor, aws: SharedAWS? = nil
    ) -> (any TrafficRouter)? {
        switch router {
        case .builtin:
            return nil
        case .file(let path):
            return FileRouter(path: path, baseline: pipeline.baseline.label, candidate: pipeline.candidate.label)
        case .command(let run, let timeout):
            return CommandRouter(command: run, directory: pipeline.directory, timeout: timeout, redactor: redactor)
        case .nginx(let n):
            return NginxRouter(n, pipeline: pipeline)
        case .kind(let settings):
            // Only the types in `kinds` parse, and each of them is a `RouterKind`.
            let context = KindContext(pipeline: pipeline, environment: environment, redactor: redactor, aws: aws)
            return (settings as? any RouterKind)?.router(context) ?? UnbuildableRouter(name: router.name)
        }
    }

    /// The metrics backend the judge reads; nil: the data plane's own observations.
    public static func metricSource(
        _ canary: CanarySpec, pipeline: PipelineSpec, environment: [String: String], redactor: Redactor, aws: SharedAWS? = nil
    ) -> (any MetricSource)? {
        switch canary.metricsSource {
        case .observations:
            return nil
        case .prometheus(let p):
            return PrometheusMetrics(
                spec: p, checks: canary.metrics, versions: [.baseline: pipeline.baseline.version, .candidate: pipeline.candidate.version],
                interval: canary.analysisInterval, environment: environment, errorCounts: canary.judge.kind == .sequential)
        case .kind(let settings):
            let context = KindContext(pipeline: pipeline, environment: environment, redactor: redactor, aws: aws)
            return (settings as? any MetricSourceKind)?.source(context) ?? UnbuildableSource(name: canary.metricsSource.name)
        }
    }

    /// The spec's notification channels, for the engine and for `rampart recover`.
    public static func notifiers(_ spec: PipelineSpec, environment: [String: String], aws given: SharedAWS? = nil) -> [RunParts.Channel] {
        let aws = given ?? SharedAWS(environment: environment)
        return spec.notify.map { n in
            switch n.kind {
            case .file(let path):
                RunParts.Channel(spec: n, notifier: FileNotifier(path: path))
            case .command(let run, let timeout):
                RunParts.Channel(spec: n, notifier: CommandNotifier(command: run, directory: spec.directory, timeout: timeout))
            case .webhook(let url, let fromEnvironment, let timeout, let retries):
                RunParts.Channel(
                    spec: n, notifier: WebhookNotifier(url: fromEnvironment ? environment[url] ?? "" : url, timeout: timeout, retries: retries))
            case .sns(let topic):
                RunParts.Channel(
                    spec: n,
                    notifier: SNSNotifier(
                        topic: topic,
                        client: aws.runtime.client(
                            .sns, region: topic.region, endpoint: topic.endpoint, timeout: topic.timeout)))
            }
        }
    }

    /// The LLM judge: on an OpenAI-compatible server, or on Bedrock.
    static func judge(_ spec: PipelineSpec, _ options: RunOptions, aws: SharedAWS) -> LLMJudge? {
        guard let j = spec.judge else { return nil }
        if let b = j.bedrock {
            let aws = aws.runtime
            guard let region = aws.setup.region(b.region) else {
                return LLMJudge(model: UnavailableModel(failure: AWSRuntime.noRegion(b.modelID)), rubric: j.rubric)
            }
            return LLMJudge(
                model: BedrockChat(spec: b, client: aws.client(.bedrockRuntime, region: region, endpoint: b.endpoint, timeout: b.timeout)),
                rubric: j.rubric)
        }
        return j.endpoint.flatMap { e in client(e, options).map { LLMJudge(client: $0, model: e.model, rubric: j.rubric) } }
    }

    /// The embeddings model: on an OpenAI-compatible server, or on Bedrock.
    static func embedder(_ spec: PipelineSpec, _ options: RunOptions, aws: SharedAWS) -> EmbeddingSimilarity? {
        if let b = spec.bedrockEmbeddings {
            let aws = aws.runtime
            guard let region = aws.setup.region(b.region) else {
                return EmbeddingSimilarity(model: UnavailableModel(failure: AWSRuntime.noRegion(b.modelID)))
            }
            return EmbeddingSimilarity(
                model: BedrockEmbeddings(
                    modelID: b.modelID, client: aws.client(.bedrockRuntime, region: region, endpoint: b.endpoint, timeout: b.timeout)))
        }
        return spec.embeddings.flatMap { e in client(e, options).map { EmbeddingSimilarity(client: $0, model: e.model) } }
    }

    private static func client(_ e: EndpointSpec, _ options: RunOptions) -> OpenAIClient? {
        URL(string: e.baseURL).map {
            OpenAIClient(baseURL: $0, apiKeyVariable: e.apiKeyEnv, timeout: e.timeout, headers: e.headers, environment: options.environment)
        }
    }
}

extension Engine {
    /// An engine with the parts the spec names, for simulations, `rampart eval`, benchmarks and
    /// tests; `baseline`, `candidate` and `dataPlane` replace the spec's when given.
    public convenience init(
        inputs: PipelineInputs, clock: any EngineClock, options: RunOptions, bus: EventBus = EventBus(),
        baseline: (any ModelProvider)? = nil, candidate: (any ModelProvider)? = nil, dataPlane: DataPlane? = nil
    ) {
        var parts = RunAssembly.parts(inputs: inputs, options: options, dataPlane: dataPlane)
        if let baseline { parts.baseline = baseline }
        if let candidate { parts.candidate = candidate }
        self.init(inputs: inputs, clock: clock, options: options, parts: parts, bus: bus)
    }
}
