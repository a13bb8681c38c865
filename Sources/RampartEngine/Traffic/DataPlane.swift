import Foundation
import RampartCore
import RampartNet
import Synchronization

/// The canary's HTTP data plane on this machine: the weighted proxy, an embedded sim upstream
/// for each version the spec does not point elsewhere, and the synthetic load generator.
///
/// Observations flow proxy → inbox → engine tick. A sampled share of answers to prompts with a
/// reference (the load generator's golden items) is scored online for quality.
public final class DataPlane: Sendable {
    public let proxy: WeightedProxy
    public let inbox: ObservationInbox
    public let info: DataPlaneStarted
    public let address: String
    private let servers: [any Listening]
    private let load: LoadGenerator?
    private let loadTask: Mutex<Task<Void, Never>?>

    public var router: ProxyRouter { ProxyRouter(proxy: proxy, address: address) }
    public var traffic: ProxyTraffic { ProxyTraffic(inbox: inbox) }
    public var loadStats: LoadGenerator.Stats? { load?.stats }

    fileprivate init(
        proxy: WeightedProxy, inbox: ObservationInbox, info: DataPlaneStarted, address: String, servers: [any Listening],
        load: LoadGenerator?
    ) {
        self.proxy = proxy
        self.inbox = inbox
        self.info = info
        self.address = address
        self.servers = servers
        self.load = load
        self.loadTask = Mutex(nil)
    }

    /// Starts the upstreams and the proxy; the load starts with `startLoad()` when the canary
    /// begins. Throws with a clear message for a port in use or a bad upstream URL, having
    /// stopped whatever it had started.
    /// `environment` holds the API keys the proxy and the load generator send for each version.
    public static func start(inputs: PipelineInputs, seed: UInt64, environment: [String: String]) async throws -> DataPlane {
        guard let canary = inputs.spec.canary else { throw RouterError("the spec has no canary") }
        let startup = Startup(inputs: inputs, canary: canary, seed: seed, environment: environment)
        do {
            return try await startup.run()
        } catch {
            for s in startup.servers { await s.stop() }
            throw error
        }
    }

    public func startLoad() {
        guard let load else { return }
        loadTask.withLock { task in
            guard task == nil else { return }
            task = Task { await load.run() }
        }
    }

    public func stopLoad() {
        loadTask.withLock { task in
            task?.cancel()
            task = nil
        }
    }

    public func stop() async {
        stopLoad()
        for s in servers { await s.stop() }
    }
}

/// The steps of `DataPlane.start`, each keeping the servers it started so a failure later on
/// stops them all.
private final class Startup {
    let inputs: PipelineInputs
    let canary: CanarySpec
    let seed: UInt64
    let items: [GoldenItem]
    var servers: [any Listening] = []

    let environment: [String: String]

    init(inputs: PipelineInputs, canary: CanarySpec, seed: UInt64, environment: [String: String]) {
        self.environment = environment
        self.inputs = inputs
        self.canary = canary
        self.seed = seed
        self.items = inputs.golden[canary.traffic.dataset] ?? []
    }

    var proxySpec: ProxySpec { canary.proxy }

    func run() async throws -> DataPlane {
        let spec = inputs.spec
        let (b, bName) = try await upstream(spec.baseline, .baseline, proxySpec.baselineURL)
        let (c, cName) = try await upstream(spec.candidate, .candidate, proxySpec.candidateURL)
        let inbox = ObservationInbox()
        let proxy = makeProxy(baseline: b, candidate: c, inbox: inbox)
        let (address, meterText, proxyTarget) = try await listen(proxy)
        let load = try loadGenerator(target: proxyTarget)
        let info = DataPlaneStarted(
            proxy: canary.router == .builtin ? address : nil, baseline: bName, candidate: cName, source: canary.traffic.source.rawValue,
            rate: load == nil ? nil : canary.traffic.rate, meter: meterText, target: canary.traffic.target,
            router: canary.router == .builtin ? nil : canary.router.name)
        return DataPlane(proxy: proxy, inbox: inbox, info: info, address: address, servers: servers, load: load)
    }

    /// A version's upstream: an openai version is its own upstream unless the spec points the
    /// proxy elsewhere (either way the proxy speaks for it with its model id, key and headers);
    /// a sim version gets a simulated server on loopback.
    func upstream(_ v: VariantSpec, _ variant: Variant, _ given: String?) async throws -> (ProxyUpstream, String) {
        if let url = given ?? (v.provider == .openai ? v.openai?.endpoint.baseURL : nil) {
            var u: ProxyUpstream
            do {
                u = try ProxyUpstream(baseURL: url, pricing: v.pricing, caFile: proxySpec.caFile)
            } catch {
                throw RouterError("the \(variant.rawValue) upstream \(url): \(error)")
            }
            if let endpoint = v.openai?.endpoint {
                u.model = endpoint.model
                u.authorization = OpenAIClient.bearer(endpoint.apiKeyEnv, environment: environment)
                u.headers = endpoint.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            }
            return (u, url)
        }
        let prompt = v.promptTemplate.flatMap { inputs.files[$0] } ?? ""
        let sim = SimUpstream(
            model: SimModel(profile: v.sim, systemPrompt: prompt), name: "\(v.model)@\(v.version)", items: items,
            seed: seed &+ (variant == .candidate ? 1 : 0))
        let server = try await sim.serve()
        servers.append(server)
        let port = server.port ?? 0
        return (ProxyUpstream(endpoint: HTTPEndpoint(host: "127.0.0.1", port: port), pricing: v.pricing), "sim \(v.label) at 127.0.0.1:\(port)")
    }

    /// The proxy, with a sampled quality score (token F1 against the item's references) on
    /// answers it can match to a dataset item.
    func makeProxy(baseline: ProxyUpstream, candidate: ProxyUpstream, inbox: ObservationInbox) -> WeightedProxy {
        let references = Dictionary(items.map { ($0.id, $0.references) }, uniquingKeysWith: { a, _ in a })
        let sample = proxySpec.qualitySample
        let scorer = Mutex(SeededRandom(seed: seed, stream: "quality-sample"))
        let proxyBox = Mutex<WeightedProxy?>(nil)
        let proxy = WeightedProxy(
            baseline: baseline, candidate: candidate, stickyHeader: proxySpec.stickyHeader, timeout: proxySpec.upstreamTimeout,
            mirror: proxySpec.mirror
        ) { exchange in
            var o = exchange.observation
            let refs = exchange.itemID.flatMap { references[$0] }
            // A mirrored prompt is always scored: its pair needs both answers' scores.
            if !o.failed, let answer = exchange.answer, let refs, exchange.shadow != nil || scorer.withLock({ $0.chance(sample) }) {
                let q = TokenF1.score(answer, references: refs)
                o.quality = q
                proxyBox.withLock { $0 }?.recordQuality(o.variant, q)
            }
            if let shadow = exchange.shadow {
                o.shadow = ShadowAnswer(
                    quality: shadow.answer.flatMap { a in refs.map { TokenF1.score(a, references: $0) } }, cost: shadow.cost, failed: shadow.failed)
            }
            inbox.post(o)
        }
        proxyBox.withLock { $0 = proxy }
        return proxy
    }

    /// The proxy's listeners: one that splits (builtin router), or behind an external router one
    /// meter per version, named by the router's upstream. Returns the splitting listener's
    /// address (none behind a router), the meters' description, and where load should go.
    func listen(_ proxy: WeightedProxy) async throws -> (address: String, meters: String?, target: HTTPEndpoint?) {
        guard canary.router != .builtin else {
            let server = try await proxy.serve(host: proxySpec.host, port: proxySpec.port)
            servers.append(server)
            let address = "\(proxySpec.host):\(server.port ?? proxySpec.port)"
            return (address, nil, HTTPEndpoint(host: proxySpec.host == "0.0.0.0" ? "127.0.0.1" : proxySpec.host, port: server.port ?? 0))
        }
        var listeners: [String] = []
        if let meter = proxySpec.meter {
            for (variant, at) in [(Variant.baseline, meter.baseline), (.candidate, meter.candidate)] {
                do {
                    servers.append(try await proxy.serve(host: at.host, port: at.port, pinned: variant))
                } catch {
                    throw RouterError("cannot listen on \(at) for the \(variant.rawValue) meter: \(error)")
                }
                listeners.append("\(variant.rawValue) \(at)")
            }
        }
        return ("", listeners.isEmpty ? nil : listeners.joined(separator: ", "), nil)
    }

    /// The load generator for `traffic: { source: load }`: to the splitting listener, or to the
    /// spec's target (the user's router) when it names one.
    func loadGenerator(target proxyTarget: HTTPEndpoint?) throws -> LoadGenerator? {
        guard canary.traffic.source == .load else { return nil }
        var target = proxyTarget
        var prefix = ""
        if let url = canary.traffic.target {
            do {
                let u = try ProxyUpstream(baseURL: url, caFile: proxySpec.caFile)
                target = u.endpoint
                prefix = u.pathPrefix
            } catch {
                throw RouterError("the traffic target \(url): \(error)")
            }
        }
        guard let target else { return nil }
        let traffic = canary.traffic
        var headers = traffic.headers.sorted { $0.key < $1.key }.map { (name: $0.key, value: $0.value) }
        if let bearer = OpenAIClient.bearer(traffic.apiKeyEnv, environment: environment) { headers.append(("Authorization", bearer)) }
        return LoadGenerator(
            target: target, pathPrefix: prefix, items: items, rate: traffic.rate, seed: seed, timeout: proxySpec.upstreamTimeout + 5,
            model: traffic.model, headers: headers, stream: traffic.stream)
    }
}
