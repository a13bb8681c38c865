import Dispatch

/// Runs the data plane's request handlers on threads of their own rather than Swift's shared
/// cooperative pool (two threads on a two-core machine). A proxy must answer while the engine,
/// a dashboard or a test blocks a cooperative thread; handlers and everything they await run
/// here, with no limit but the machine's.
public final class NetExecutor: TaskExecutor {
    public static let shared = NetExecutor()
    private let queue = DispatchQueue(label: "rampart.net", qos: .userInitiated, attributes: .concurrent)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
