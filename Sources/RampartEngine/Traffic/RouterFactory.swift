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
            return NginxRouter(
                path: n.path, upstream: n.upstream, baseline: n.baseline, candidate: n.candidate, test: n.test, reload: n.reload,
                directory: pipeline.directory, timeout: n.timeout)
        }
    }
}
