import Synchronization

/// The one `AWSRuntime` of a run, made when a part first needs it: every notifier, model,
/// router and metrics source then shares its credentials (a role assumed once, refreshed in one
/// place), and a run that touches no AWS reads no AWS configuration at all.
public final class SharedAWS: Sendable {
    private let environment: [String: String]
    private let made = Mutex<AWSRuntime?>(nil)

    public init(environment: [String: String]) { self.environment = environment }

    public var runtime: AWSRuntime {
        made.withLock { made in
            if let made { return made }
            let runtime = AWSRuntime(environment: environment)
            made = runtime
            return runtime
        }
    }
}
