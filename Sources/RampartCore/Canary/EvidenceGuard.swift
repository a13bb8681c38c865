/// An absolute check on the evidence itself, beside the judge. A judge compares the arms; when
/// both fail (a gateway that refuses the key, an upstream outage, a load generator whose
/// requests are all rejected) the comparison says "no worse" and a canary would ramp on broken
/// evidence. At every analysis interval the guard looks at what both arms served in it:
///
/// - requests but not one success (client errors included: a 401 is no evidence), or
/// - both arms failing above `maxErrorRate`
///
/// is broken evidence. The ramp holds while it lasts. Not one success (a refused key, an
/// endpoint that is down) rolls back after `failureLimit` broken intervals in a row; both arms
/// failing in part is what a shared upstream incident looks like, nobody's version's fault, so
/// it rolls back only when it outlasts `patience`. One healthy interval clears it.
public struct EvidenceGuard: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        public var enabled = true
        /// Both arms above this share of failed requests is broken evidence.
        public var maxErrorRate = 0.2
        /// An interval with fewer requests (both arms) says nothing about error rates.
        public var minRequests = 5
        /// How long both arms may fail in part (a shared incident) before the canary rolls back.
        public var patience: Double = 120
        public init() {}
    }

    public enum Verdict: Sendable, Equatable {
        /// Nothing to say: no traffic in the interval, or the guard is off.
        case quiet
        case healthy
        /// `intervals`: consecutive broken intervals so far, this one included; `total`: not one
        /// success in this one (rather than both arms failing in part).
        case broken(reason: String, intervals: Int, total: Bool)
    }

    public let settings: Settings
    private var window: [Variant: (requests: Int, failures: Int)] = [:]
    public private(set) var consecutive = 0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    public static func == (a: EvidenceGuard, b: EvidenceGuard) -> Bool {
        a.settings == b.settings && a.consecutive == b.consecutive
    }

    /// Whether the baseline failed above `maxErrorRate` in these requests (at least `minRequests`
    /// of its own): a moment of shared trouble, in which a point estimate of the difference
    /// between the arms is mostly noise. The baseline alone decides it, so a candidate failing
    /// on its own never hides behind it; when the candidate's failures take the baseline down
    /// too, the guard's broken intervals and their patience are what rolls back.
    public static func baselineFailing(_ observations: [Observation], settings: Settings) -> Bool {
        guard settings.enabled else { return false }
        var requests = 0, failures = 0
        for o in observations where o.variant == .baseline && !o.isClientError {
            requests += 1
            if fails(o) { failures += 1 }
        }
        return requests >= settings.minRequests && Double(failures) > settings.maxErrorRate * Double(requests)
    }

    /// Anything but a 2xx answer is a failure here.
    static func fails(_ o: Observation) -> Bool { o.failed || !(200..<300).contains(o.status) }

    public mutating func observe(_ o: Observation) {
        add(o.variant, requests: 1, failures: Self.fails(o) ? 1 : 0)
    }

    /// Counts from a metrics backend, for the interval.
    public mutating func add(_ variant: Variant, requests: Int, failures: Int) {
        guard requests > 0 else { return }
        var w = window[variant] ?? (0, 0)
        w.requests += requests
        w.failures += min(failures, requests)
        window[variant] = w
    }

    /// Judges the interval that ends now and starts the next.
    public mutating func check() -> Verdict {
        defer { window = [:] }
        guard settings.enabled else { return .quiet }
        let b = window[.baseline] ?? (0, 0), c = window[.candidate] ?? (0, 0)
        let requests = b.requests + c.requests
        guard requests > 0 else { return .quiet }
        func rate(_ w: (requests: Int, failures: Int)) -> Double { Double(w.failures) / Double(max(1, w.requests)) }
        func show(_ name: String, _ w: (requests: Int, failures: Int)) -> String {
            w.requests == 0 ? "\(name) no requests" : "\(name) \(w.failures) of \(w.requests) failed"
        }
        var reason: String?
        let total = b.failures + c.failures == requests
        if total {
            reason = "not one successful request in the interval (\(show("baseline", b)), \(show("candidate", c)))"
        } else if requests >= settings.minRequests, b.requests > 0, c.requests > 0,
            rate(b) > settings.maxErrorRate, rate(c) > settings.maxErrorRate
        {
            let limit = Int((settings.maxErrorRate * 100).rounded())
            reason = "both arms fail above \(limit)% (\(show("baseline", b)), \(show("candidate", c)))"
        }
        guard let reason else {
            consecutive = 0
            return .healthy
        }
        consecutive += 1
        return .broken(reason: reason, intervals: consecutive, total: total)
    }
}
