import Foundation
import RampartCore

/// The routers that move traffic outside this process, built from the spec. The canary uses
/// them, and so does `rampart recover` after a crash: the same spec gives the same router.
public enum RouterFactory {
    /// Nil for `builtin`: its split lives in this process and ends with it.
    public static func make(_ router: RouterSpec, pipeline: PipelineSpec, redactor: Redactor) -> (any TrafficRouter)? {
        switch router {
        case .builtin:
            return nil
        case .file(let path):
            return FileRouter(path: path, baseline: pipeline.baseline.label, candidate: pipeline.candidate.label)
        case .command(let run, let timeout):
            return CommandRouter(command: run, directory: pipeline.directory, timeout: timeout, redactor: redactor)
        case .nginx(let n):
            var router = NginxRouter(
                path: n.path, upstream: n.upstream, baseline: n.baseline, candidate: n.candidate, test: n.test, reload: n.reload,
                directory: pipeline.directory, timeout: n.timeout)
            // Behind meters, the run ends on the versions' own servers (plain http host:port).
            if let proxy = pipeline.canary?.proxy, proxy.meter != nil,
                let b = hostPort(proxy.baselineURL ?? pipeline.baseline.openai?.endpoint.baseURL),
                let c = hostPort(proxy.candidateURL ?? pipeline.candidate.openai?.endpoint.baseURL)
            {
                router.settled = (b, c)
            }
            return router
        }
    }

    /// `host:port` of an http URL, as nginx's `server` takes it; nil for https (nginx would need
    /// `proxy_ssl` for that) or no URL.
    static func hostPort(_ url: String?) -> String? {
        guard let url, let u = URL(string: url), u.scheme == "http", let host = u.host else { return nil }
        return "\(host):\(u.port ?? 80)"
    }
}
