import Foundation
import RampartCore

/// The canary's metrics as Prometheus sees them: at each analysis, every watched metric's query
/// for both arms (and the request count), in parallel, templated for the current step.
public struct PrometheusMetrics: MetricSource {
    public let client: PrometheusClient
    public let spec: PrometheusSourceSpec
    public let checks: [MetricCheck]
    public let versions: [Variant: String]
    public let interval: Double
    /// Whether to read error counts too (for the sequential judge).
    public let errorCounts: Bool

    public init(
        spec: PrometheusSourceSpec, checks: [MetricCheck], versions: [Variant: String], interval: Double, environment: [String: String],
        errorCounts: Bool = false
    ) {
        self.errorCounts = errorCounts
        self.spec = spec
        self.checks = checks
        self.versions = versions
        self.interval = interval
        client = PrometheusClient(baseURL: spec.url, timeout: spec.timeout, token: spec.tokenEnv.flatMap { environment[$0] })
    }

    public var name: String { "prometheus \(client.baseURL)" }

    public func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings {
        await read(stepStart: clock.date(at: stepStart), now: clock.date(at: now))
    }

    /// Which query an answer belongs to.
    enum QueryKey: Hashable { case requests(Variant), errors(Variant), metric(Int, Variant) }
    typealias Answers = [QueryKey: Result<[Double], PrometheusResponse.Failure>]

    /// Reads the step that started at `stepStart`, as of `now` (wall-clock times, as Prometheus
    /// keeps them).
    public func read(stepStart: Date, now: Date) async -> MetricReadings {
        readings(from: await query(stepStart: stepStart, now: now))
    }

    /// Every query of the step, per arm, at once.
    func query(stepStart: Date, now: Date) async -> Answers {
        let elapsed = max(1, now.timeIntervalSince(stepStart))
        return await withTaskGroup(of: (QueryKey, Result<[Double], PrometheusResponse.Failure>).self) { group in
            func context(_ v: Variant) -> PromQLTemplate.Context {
                PromQLTemplate.Context(
                    variant: v, version: versions[v] ?? v.rawValue, interval: interval, elapsed: elapsed, resolution: spec.resolution)
            }
            for v in Variant.allCases {
                let q = PromQLTemplate.render(spec.requestsQuery, context(v))
                group.addTask {
                    (.requests(v), await Self.capture { () async throws(PrometheusResponse.Failure) in try await client.instant(q, at: now) })
                }
                if errorCounts {
                    let eq = PromQLTemplate.render(spec.errorsQuery, context(v))
                    group.addTask {
                        (.errors(v), await Self.capture { () async throws(PrometheusResponse.Failure) in try await client.instant(eq, at: now) })
                    }
                }
                for (i, check) in checks.enumerated() {
                    guard let query = check.query else { continue }
                    let q = PromQLTemplate.render(query.expr, context(v))
                    let step = spec.resolution
                    group.addTask {
                        (
                            .metric(i, v),
                            await Self.capture { () async throws(PrometheusResponse.Failure) in
                                switch query.kind {
                                case .instant: try await client.instant(q, at: now)
                                case .range: try await client.range(q, start: stepStart, end: now, step: step)
                                }
                            }
                        )
                    }
                }
            }
            var out: Answers = [:]
            for await (k, r) in group { out[k] = r }
            return out
        }
    }

    /// The answers as readings: counts from the last value, each metric's series per arm, and
    /// every failure named (one message when both arms failed alike).
    func readings(from results: Answers) -> MetricReadings {
        func count(_ key: QueryKey) -> Int? {
            guard case .success(let values) = results[key], let last = values.last else { return nil }
            return Int(saturating: last.rounded())
        }
        let readings = checks.enumerated().compactMap { i, check -> MetricReadings.Reading? in
            guard check.query != nil else { return nil }
            var r = MetricReadings.Reading(metric: check.metric, baseline: [], candidate: [])
            var errors: [Variant: String] = [:]
            for v in Variant.allCases {
                switch results[.metric(i, v)] {
                case .success(let values)?: if v == .baseline { r.baseline = values } else { r.candidate = values }
                case .failure(let e)?: errors[v] = e.message
                case nil: break
                }
            }
            r.error = Self.describe(errors)
            return r
        }
        var out = MetricReadings(
            baselineRequests: count(.requests(.baseline)), candidateRequests: count(.requests(.candidate)), readings: readings, source: name)
        out.baselineErrors = count(.errors(.baseline))
        out.candidateErrors = count(.errors(.candidate))
        var requestErrors: [Variant: String] = [:]
        for v in Variant.allCases {
            for key in [QueryKey.requests(v), .errors(v)] {
                if case .failure(let e)? = results[key] { requestErrors[v] = e.message }
            }
        }
        out.requestsError = Self.describe(requestErrors)
        return out
    }

    /// One message when both arms failed alike (the usual case: the server), else each arm's.
    static func describe(_ errors: [Variant: String]) -> String? {
        if errors.isEmpty { return nil }
        if errors.count == 2, errors[.baseline] == errors[.candidate] { return errors[.baseline] }
        return Variant.allCases.compactMap { v in errors[v].map { "\(v.rawValue): \($0)" } }.joined(separator: "; ")
    }

    private static func capture(_ body: () async throws(PrometheusResponse.Failure) -> [Double]) async -> Result<[Double], PrometheusResponse.Failure>
    {
        do { return .success(try await body()) } catch { return .failure(error) }
    }
}
