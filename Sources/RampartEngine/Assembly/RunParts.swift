import RampartCore

/// What one run is made of. `RunAssembly` builds it from the spec, the options and the
/// environment; the engine only uses it, so the canary loop never asks which kind of provider,
/// router or metrics source it holds, and a test can hand it any part it likes.
public struct RunParts: Sendable {
    public var baseline: any ModelProvider
    public var candidate: any ModelProvider
    public var notifiers: [Channel]
    /// Remote scorers for `llm_judge` and `embedding_cosine` gates.
    public var judge: LLMJudge?
    public var embedder: EmbeddingSimilarity?
    /// A router that moves traffic outside this process; nil: the data plane's own split when
    /// there is one, else the in-process split.
    public var router: (any TrafficRouter)?
    /// A metrics backend the judge reads; nil: the observations the data plane made itself.
    public var metricSource: (any MetricSource)?
    /// The HTTP data plane (proxy, upstreams, load) when canary traffic goes over the network.
    public var dataPlane: DataPlane?
    /// Where each interval's measurements are published (`canary.publish`), if anywhere.
    public var publisher: (any MetricPublisher)?

    /// A notification channel and the spec entry that says when it is told.
    public struct Channel: Sendable {
        public var spec: NotifySpec
        public var notifier: any Notifier

        public init(spec: NotifySpec, notifier: any Notifier) {
            self.spec = spec
            self.notifier = notifier
        }
    }

    public init(
        baseline: any ModelProvider, candidate: any ModelProvider, notifiers: [Channel] = [], judge: LLMJudge? = nil,
        embedder: EmbeddingSimilarity? = nil, router: (any TrafficRouter)? = nil, metricSource: (any MetricSource)? = nil,
        dataPlane: DataPlane? = nil, publisher: (any MetricPublisher)? = nil
    ) {
        self.publisher = publisher
        self.baseline = baseline
        self.candidate = candidate
        self.notifiers = notifiers
        self.judge = judge
        self.embedder = embedder
        self.router = router
        self.metricSource = metricSource
        self.dataPlane = dataPlane
    }
}
