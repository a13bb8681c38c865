import ArgumentParser
import Foundation
import RampartCore
import RampartEngine
import RampartNet
import Synchronization

/// `rampart proxy`: the weighted proxy on its own, in front of a user's real upstreams.
///
/// Its weight comes from `--weight`, or from a flag file in the format the `file` router writes
/// (`{"canary_weight": 20}`), re-read every second; so a spec with `router: {kind: file}` ramps a
/// proxy that runs elsewhere, on the machine that serves the traffic.
///
/// With `--meter VARIANT` it does not split: it forwards everything to that version and measures
/// it, a sidecar beside a version that your own router (nginx, Envoy) sends traffic to, whose
/// `/metrics` your Prometheus scrapes for a spec with `metrics_source: prometheus`.
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Run the weighted canary proxy in front of two OpenAI-compatible upstreams.",
        discussion: """
            Serves /v1/chat/completions, /v1/embeddings and /v1/models, split by weight; /healthz; \
            and /metrics in the Prometheus text format (per-variant requests, errors, latency \
            histogram, tokens and cost). Prints a line per variant every --report-every seconds. \
            With --meter baseline|candidate it fronts that one version only (give just its URL) \
            and exports its metrics under that variant label, for a router of your own.
            """)

    @Option(help: "HOST:PORT to listen on.")
    var listen: String = "127.0.0.1:8480"

    @Option(help: "Base URL of the baseline (e.g. http://10.0.0.5:8000/v1 or https://gateway.internal/v1).")
    var baseline: String?

    @Option(help: "Base URL of the candidate.")
    var candidate: String?

    @Option(help: "Meter one version instead of splitting: baseline or candidate (only its URL is needed).")
    var meter: Variant?

    @Option(help: "Percent of requests sent to the candidate, 0...100.")
    var weight: Double = 0

    @Option(help: "Read the weight from this flag file (JSON with canary_weight), re-read every second.")
    var weightFile: String?

    @Option(help: "Route by a hash of this header's value so a user stays on one version ('' turns it off).")
    var stickyHeader: String = "x-user-id"

    @Option(help: "Upstream timeout in seconds.")
    var timeout: Double = 30

    @Option(help: "PEM file of extra certificate authorities for https upstreams (the system's are trusted too).")
    var caFile: String?

    @Option(help: "Model id sent to the baseline in place of the client's (a gateway's name for that version).")
    var baselineModel: String?

    @Option(help: "Model id sent to the candidate in place of the client's.")
    var candidateModel: String?

    @Option(help: "Environment variable holding the baseline's API key; without it the client's Authorization is forwarded.")
    var baselineKeyEnv: String?

    @Option(help: "Environment variable holding the candidate's API key.")
    var candidateKeyEnv: String?

    @Option(help: "Seconds between report lines (0: none).")
    var reportEvery: Double = 10

    @Option(
        help: ArgumentHelp(
            "Publish each version's requests, errors, tokens, cost and latency to CloudWatch under this namespace (PutMetricData; AWS credentials and AWS_REGION as for every AWS part).",
            valueName: "namespace"))
    var cloudwatchNamespace: String?

    @Option(
        help: ArgumentHelp(
            "A CloudWatch dimension, NAME=VALUE; {{variant}} is baseline or candidate. Repeatable (default: Variant={{variant}}).",
            valueName: "name=value"))
    var cloudwatchDimension: [String] = []

    @Option(help: "Seconds between two CloudWatch publications.")
    var cloudwatchEvery: Double = 60

    func validate() throws {
        guard (0...100).contains(weight) else { throw ValidationError("--weight must be 0...100, got \(weight)") }
        guard timeout > 0, timeout <= 86_400 else { throw ValidationError("--timeout must be more than 0 and at most 86400 seconds, got \(timeout)") }
        for (name, url) in [("baseline", baseline), ("candidate", candidate)] {
            if let url {
                guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                    throw ValidationError("--\(name) must be an http(s) URL, got '\(url)'")
                }
            } else if meter == nil || meter?.rawValue == name {
                throw ValidationError("--\(name) URL is required\(meter == nil ? " (or use --meter to front one version)" : " to meter it")")
            }
        }
        for (name, variable) in [("baseline", baselineKeyEnv), ("candidate", candidateKeyEnv)] {
            guard let variable else { continue }
            guard (try? OpenAIClient.key(variable, environment: ProcessInfo.processInfo.environment)) != nil else {
                throw ValidationError("--\(name)-key-env names \(variable), which is not set in the environment")
            }
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw ValidationError("--ca-file: cannot read '\(caFile)'")
        }
        if meter != nil && (weightFile != nil || weight != 0) {
            throw ValidationError("--meter sends everything to one version; --weight and --weight-file do not apply")
        }
        guard parseListen() != nil else { throw ValidationError("--listen must be HOST:PORT, got '\(listen)'") }
        try validateCloudWatch()
    }

    /// The CloudWatch settings, when `--cloudwatch-namespace` asks for them.
    func cloudWatchSettings() -> CloudWatchPublisher? {
        guard let cloudwatchNamespace else { return nil }
        let dimensions = (cloudwatchDimension.isEmpty ? ["Variant={{variant}}"] : cloudwatchDimension).map { d in
            let parts = d.split(separator: "=", maxSplits: 1).map(String.init)
            return CloudWatchSource.Dimension(name: parts[0], value: parts.count > 1 ? parts[1] : "")
        }
        return CloudWatchPublisher(namespace: cloudwatchNamespace, dimensions: dimensions, interval: cloudwatchEvery)
    }

    private func validateCloudWatch() throws {
        guard let cloudwatchNamespace else {
            if !cloudwatchDimension.isEmpty { throw ValidationError("--cloudwatch-dimension needs --cloudwatch-namespace") }
            return
        }
        if let problem = CloudWatchPublisher.namespaceProblem(cloudwatchNamespace) {
            throw ValidationError("--cloudwatch-namespace \(problem)")
        }
        for d in cloudwatchDimension {
            let parts = d.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--cloudwatch-dimension must be NAME=VALUE, got '\(d)'")
            }
        }
        if meter == nil, !cloudwatchDimension.isEmpty, !cloudwatchDimension.contains(where: { $0.contains("{{variant}}") }) {
            throw ValidationError("--cloudwatch-dimension: a splitting proxy publishes both versions; put {{variant}} in a dimension's value")
        }
        guard cloudwatchEvery >= 1, cloudwatchEvery <= 86_400 else {
            throw ValidationError("--cloudwatch-every must be 1 to 86400 seconds, got \(cloudwatchEvery)")
        }
    }

    func parseListen() -> (String, Int)? {
        let parts = listen.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]), (0...65535).contains(port) else { return nil }
        return (String(parts[0]), port)
    }

    func run() async throws {
        let live = LiveBox()
        let proxy = try makeProxy(live)
        // The file is read before the first connection is accepted: a proxy restarted after a
        // promotion must not send everyone back to the old version while it catches up.
        if let weightFile {
            switch FlagDocument.weight(inFile: weightFile) {
            case .success(let w): try? proxy.setWeight(w)
            case .failure(let e):
                Console.error("error: --weight-file: \(e); write the flag document first (the file router's format: {\"canary_weight\": 0})")
                throw Exit.invalidInput
            }
        }
        // Before listening: a proxy that cannot publish as asked does not start.
        let cloudWatch: ProxyPublishing?
        do {
            cloudWatch = try cloudWatchSettings().map { try ProxyPublishing($0, variants: meter.map { [$0] } ?? Variant.allCases) }
        } catch {
            Console.error("error: \(error)")
            throw Exit.unavailable
        }
        // `validate()` refused an unreadable --listen before `run()`.
        let (host, port) = parseListen()!
        let server: any Listening
        do {
            server = try await proxy.serve(host: host, port: port, pinned: meter)
        } catch {
            Console.error("error: \(error)")
            throw Exit.unavailable
        }
        announce(proxy, at: "http://\(host):\(server.port ?? port)")
        if let cloudWatch {
            print(cloudWatch.announcement)
            fflush(nil)
        }
        let stop = StopFlag()
        let interrupts = InterruptHandler(operator: "proxy", quiet: true) { _ in stop.set() }
        defer { interrupts.cancel() }
        var lastReport = ContinuousClock.now
        var flagProblem: FlagDocument.Problem?
        while !stop.fired {
            try? await Task.sleep(for: .seconds(1))
            if let weightFile { follow(weightFile, proxy, problem: &flagProblem) }
            if reportEvery > 0, ContinuousClock.now - lastReport >= .seconds(reportEvery) {
                lastReport = ContinuousClock.now
                report(live)
            }
            cloudWatch?.publishIfDue(live)
        }
        print("rampart proxy: stopping")
        await server.stop()
        // What was served since the last publication goes out before the process ends.
        await cloudWatch?.finish(live)
    }

    /// A meter has one upstream; the other arm is never routed to.
    private var onlyUpstream: String { (meter == .baseline ? baseline : candidate) ?? baseline ?? candidate ?? "" }

    private func makeProxy(_ live: LiveBox) throws -> WeightedProxy {
        let only = onlyUpstream
        var upstreams: (ProxyUpstream, ProxyUpstream)
        do {
            upstreams = (try ProxyUpstream(baseURL: baseline ?? only, caFile: caFile), try ProxyUpstream(baseURL: candidate ?? only, caFile: caFile))
        } catch {
            Console.error("error: \(error)")
            throw Exit.usage
        }
        upstreams.0.model = baselineModel
        upstreams.1.model = candidateModel
        upstreams.0.authorization = OpenAIClient.bearer(baselineKeyEnv, environment: ProcessInfo.processInfo.environment)
        upstreams.1.authorization = OpenAIClient.bearer(candidateKeyEnv, environment: ProcessInfo.processInfo.environment)
        let proxy = WeightedProxy(
            baseline: upstreams.0, candidate: upstreams.1, stickyHeader: stickyHeader.isEmpty ? nil : stickyHeader, timeout: timeout
        ) { live.record($0.observation) }
        try? proxy.setWeight(weight)
        return proxy
    }

    /// The first lines: where the proxy listens and what it fronts. A long-running service's
    /// output usually goes to a file or a journal, so every report is flushed at once
    /// (fflush(nil): all streams), not when a 4 KB buffer fills.
    private func announce(_ proxy: WeightedProxy, at url: String) {
        if let meter {
            print("rampart proxy (meter) on \(url) → \(meter.rawValue) \(onlyUpstream); /metrics reports variant=\"\(meter.rawValue)\"")
        } else {
            print(
                "rampart proxy on \(url) → baseline \(baseline ?? ""), candidate \(candidate ?? "") at \(MetricFormat.percent(proxy.weight))")
        }
        if let weightFile { print("weight from \(weightFile) (re-read every second)") }
        fflush(nil)
    }

    /// Applies the weight file's current weight; a file that becomes unreadable keeps the last
    /// good weight and says so, loudly, once per problem.
    private func follow(_ weightFile: String, _ proxy: WeightedProxy, problem: inout FlagDocument.Problem?) {
        switch FlagDocument.weight(inFile: weightFile) {
        case .success(let w):
            if problem != nil {
                problem = nil
                Console.error("\(weightFile) is readable again")
            }
            if w != proxy.weight {
                let before = proxy.weight
                try? proxy.setWeight(w)
                print("weight \(MetricFormat.percent(before)) → \(MetricFormat.percent(w)) (from \(weightFile))")
            }
        case .failure(let e):
            if e != problem {
                problem = e
                Console.error("warning: \(e); keeping the last weight, \(MetricFormat.percent(proxy.weight))")
            }
        }
        fflush(nil)
    }

    /// One line per version fronted: requests, p95 and error rate since the last report.
    private func report(_ live: LiveBox) {
        for v in Variant.allCases where meter == nil || meter == v {
            let m = live.take(v)
            let p95 = m.latencyP95.map { String(format: "%.0f ms", $0) } ?? "-"
            let err = m.errorRate.map { String(format: "%.2f%%", $0 * 100) } ?? "-"
            print("\(Timestamp.now())  \(v.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) n \(m.requests)  p95 \(p95)  errors \(err)")
        }
        fflush(nil)
    }
}

/// The standalone proxy's report window (observations since the last report, per variant) and
/// its CloudWatch window (since the last publication).
final class LiveBox: Sendable {
    /// One lock for both: every proxied request records into each.
    private let state = Mutex((arms: PerVariant { _ in ArmAccumulator() }, window: MetricWindow()))
    func record(_ o: Observation) {
        state.withLock { state in
            state.arms[o.variant].record(o)
            state.window.add(o)
        }
    }
    func takeWindow() -> MetricWindow {
        state.withLock { state in
            defer { state.window = MetricWindow() }
            return state.window
        }
    }
    func take(_ v: Variant) -> ArmMetrics {
        state.withLock { state in
            defer { state.arms[v] = ArmAccumulator() }
            return state.arms[v].metrics()
        }
    }
}

/// Set once by SIGINT/SIGTERM; the serving loop polls it.
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    func set() { flag.withLock { $0 = true } }
    var fired: Bool { flag.withLock { $0 } }
}

extension Variant: ExpressibleByArgument {}
