import Foundation
import RampartCore

/// Splits traffic in nginx: renders an `upstream` block with the two versions' weights into a
/// file the user's config includes, checks the whole config with `nginx -t`, then reloads.
///
/// nginx's weighted round robin is smooth and exact per cycle, and weights are integers, so a
/// percentage becomes baseline:candidate weights out of 1000, reduced; a version at 0 % is
/// marked `down`. If the check fails, the previous file is put back before the error is raised,
/// so nginx is never left with a config it rejects.
public struct NginxRouter: TrafficRouter {
    public let path: String
    public let upstream: String
    public let baseline: String
    public let candidate: String
    public let test: String
    public let reload: String
    public let directory: String
    public let timeout: Double
    /// The versions' own servers (`host:port`) when `baseline`/`candidate` are Rampart's meters:
    /// the meters stop with the run, so the final upstream must name these instead, or nginx
    /// would answer 502 to everyone once Rampart exits.
    public var settled: (baseline: String, candidate: String)?

    public init(
        path: String, upstream: String, baseline: String, candidate: String, test: String = "nginx -t", reload: String = "nginx -s reload",
        directory: String = ".", timeout: Double = 30
    ) {
        self.path = path
        self.upstream = upstream
        self.baseline = baseline
        self.candidate = candidate
        self.test = test
        self.reload = reload
        self.directory = directory
        self.timeout = timeout
    }

    /// The router a spec's `router: { kind: nginx }` names. Behind meters, the run ends on the
    /// versions' own servers (plain http host:port).
    init(_ n: NginxRouterSpec, pipeline: PipelineSpec) {
        self.init(
            path: n.path, upstream: n.upstream, baseline: n.baseline, candidate: n.candidate, test: n.test, reload: n.reload,
            directory: pipeline.directory, timeout: n.timeout)
        if let proxy = pipeline.canary?.proxy, proxy.meter != nil,
            let b = Self.hostPort(proxy.baselineURL ?? pipeline.baseline.openai?.endpoint.baseURL),
            let c = Self.hostPort(proxy.candidateURL ?? pipeline.candidate.openai?.endpoint.baseURL)
        {
            settled = (b, c)
        }
    }

    /// `host:port` of an http URL, as nginx's `server` takes it; nil for https (nginx would need
    /// `proxy_ssl` for that) or no URL.
    static func hostPort(_ url: String?) -> String? {
        guard let url, let u = URL(string: url), u.scheme == "http", let host = u.host else { return nil }
        return "\(host):\(u.port ?? 80)"
    }

    public var name: String { "nginx" }
    public var detail: String { "\(path), upstream \(upstream)" }

    /// Integer weights for nginx (baseline, candidate); 0 means `down`.
    public static func weights(_ percent: Double) -> (Int, Int) {
        let c = Int((percent * 10).rounded()), b = 1000 - c
        func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
        let g = max(1, gcd(b, c))
        return (b / g, c / g)
    }

    /// `max_fails=0`: nginx's passive health check would otherwise take a version out for
    /// 10 s after one failed connection and send its share to the other, so the split would
    /// no longer be the one asked for, and a failing version's errors would be hidden from the
    /// judge as the other's traffic.
    public static func render(upstream: String, baseline: String, candidate: String, percent: Double, at time: String) -> String {
        let (b, c) = weights(percent)
        func server(_ address: String, _ w: Int) -> String {
            w == 0 ? "    server \(address) down;" : "    server \(address) weight=\(w) max_fails=0;"
        }
        return """
            # Written by Rampart at \(time): candidate at \(WeightText.format(percent))%. Rewritten at every step; do not edit.
            upstream \(upstream) {
            \(server(baseline, b))
            \(server(candidate, c))
                keepalive 32;
            }

            """
    }

    public func setWeight(_ percent: Double) async throws(RouterError) {
        try await apply(percent, baseline: baseline, candidate: candidate)
    }

    /// The final upstream names the versions' own servers when the meters front them.
    public func settle(_ percent: Double) async throws(RouterError) {
        let servers = settled ?? (baseline, candidate)
        try await apply(percent, baseline: servers.baseline, candidate: servers.candidate)
    }

    private func apply(_ percent: Double, baseline: String, candidate: String) async throws(RouterError) {
        let previous = FileManager.default.contents(atPath: path)
        let text = NginxRouter.render(upstream: upstream, baseline: baseline, candidate: candidate, percent: percent, at: Timestamp.now())
        do { try FileRouter.atomicWrite(Array(text.utf8), to: path) } catch { throw error }
        let checked = await ShellRunner.run(test, directory: directory, timeout: timeout)
        guard checked.exitCode == 0, !checked.timedOut else {
            if let previous { try? FileRouter.atomicWrite(Array(previous), to: path) } else { unlink(path) }
            let why =
                checked.timedOut
                ? "timed out"
                : (checked.tail.last(where: { $0.contains("emerg") || $0.contains("error") }) ?? checked.tail.last ?? "exit \(checked.exitCode)")
            throw RouterError("`\(test)` rejected the config (previous \(path) restored): \(why)")
        }
        let reloaded = await ShellRunner.run(reload, directory: directory, timeout: timeout)
        guard reloaded.exitCode == 0, !reloaded.timedOut else {
            throw RouterError("`\(reload)` failed: \(reloaded.timedOut ? "timed out" : (reloaded.tail.last ?? "exit \(reloaded.exitCode)"))")
        }
    }
}
