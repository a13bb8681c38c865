import Foundation
import RampartAWS
import RampartCore

/// Reads a step's metrics from CloudWatch (`GetMetricData`, JSON 1.0) and the guarding alarms
/// (`DescribeAlarms`), per `CloudWatchSource`'s settings.
struct CloudWatchMetrics: MetricSource {
    var settings: CloudWatchSource
    var client: AWSClient
    var versions: [Variant: String]

    var name: String { "cloudwatch \(settings.namespace) in \(client.region)" }

    /// What each query id reads: `b_req`, `c_err`, `b_m0`…
    enum Query: Hashable {
        case requests(Variant), errors(Variant), metric(CanaryMetric, Variant)

        var id: String {
            switch self {
            case .requests(let v): "\(v.rawValue.prefix(1))_req"
            case .errors(let v): "\(v.rawValue.prefix(1))_err"
            case .metric(let m, let v): "\(v.rawValue.prefix(1))_\(m.rawValue)"
            }
        }
    }

    func read(stepStart: Double, now: Double, clock: any EngineClock) async -> MetricReadings {
        let end = clock.date(at: now)
        // The step so far in whole periods (a reading covers at least one).
        let span = max(Double(settings.period), (max(1, now - stepStart) / Double(settings.period)).rounded(.up) * Double(settings.period))
        let start = end.addingTimeInterval(-span)
        var out = MetricReadings(baselineRequests: nil, candidateRequests: nil, readings: [], source: name)
        var queries: [(Query, CloudWatchSource.Stat)] = []
        for v in Variant.allCases {
            queries.append((.requests(v), settings.requests))
            if let e = settings.errors { queries.append((.errors(v), e)) }
            for (m, stat) in settings.metrics.sorted(by: { $0.key.rawValue < $1.key.rawValue }) { queries.append((.metric(m, v), stat)) }
        }
        let series: [String: [Double]]
        do {
            series = try await metricData(queries, start: start, end: end)
        } catch {
            out.requestsError = "GetMetricData: \(error)"
            return out
        }
        func sum(_ q: Query) -> Int? { series[q.id].flatMap { $0.isEmpty ? nil : Int(saturating: $0.reduce(0, +).rounded()) } }
        out.baselineRequests = sum(.requests(.baseline))
        out.candidateRequests = sum(.requests(.candidate))
        out.baselineErrors = sum(.errors(.baseline))
        out.candidateErrors = sum(.errors(.candidate))
        for (m, _) in settings.metrics.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            out.readings.append(
                MetricReadings.Reading(
                    metric: m, baseline: series[Query.metric(m, .baseline).id] ?? [], candidate: series[Query.metric(m, .candidate).id] ?? []))
        }
        if settings.errors != nil, settings.metrics[.errorRate] == nil {
            // The error rate from the counts, when CloudWatch has both for an arm.
            func rate(_ v: Variant) -> [Double] {
                guard let r = sum(.requests(v)), r > 0, let e = sum(.errors(v)) else { return [] }
                return [Double(e) / Double(r)]
            }
            out.readings.append(MetricReadings.Reading(metric: .errorRate, baseline: rate(.baseline), candidate: rate(.candidate)))
        }
        if !settings.alarms.isEmpty {
            do {
                out.alarms = try await firingAlarms()
            } catch {
                out.requestsError = "DescribeAlarms: \(error)"
            }
        }
        return out
    }

    /// Each query's values in time order, by id.
    func metricData(_ queries: [(Query, CloudWatchSource.Stat)], start: Date, end: Date) async throws(AWSCallError) -> [String: [Double]] {
        let body: [String: Any] = [
            "MetricDataQueries": queries.map { q, stat -> [String: Any] in
                let v: Variant =
                    switch q {
                    case .requests(let v), .errors(let v), .metric(_, let v): v
                    }
                let dims = settings.dimensions.map { $0.rendered(v, versions: versions) }
                return [
                    "Id": q.id, "ReturnData": true,
                    "MetricStat": [
                        "Metric": ["Namespace": stat.namespace ?? settings.namespace, "MetricName": stat.metric, "Dimensions": dims],
                        "Period": settings.period, "Stat": stat.stat,
                    ],
                ]
            },
            "StartTime": start.timeIntervalSince1970.rounded(.down), "EndTime": end.timeIntervalSince1970.rounded(.up),
            "ScanBy": "TimestampAscending",
        ]
        let answer = try await client.cloudWatch("GetMetricData", body)
        var out: [String: [Double]] = [:]
        for result in answer["MetricDataResults"] as? [[String: Any]] ?? [] {
            guard let id = result["Id"] as? String else { continue }
            out[id, default: []] += (result["Values"] as? [NSNumber] ?? []).map(\.doubleValue)
        }
        return out
    }

    /// "NAME: reason" for each guarding alarm in ALARM; an alarm that does not exist is an
    /// error, never a quiet pass.
    func firingAlarms() async throws(AWSCallError) -> [String] {
        let answer = try await client.cloudWatch("DescribeAlarms", ["AlarmNames": settings.alarms])
        let found = (answer["MetricAlarms"] as? [[String: Any]] ?? []) + (answer["CompositeAlarms"] as? [[String: Any]] ?? [])
        let names = Set(found.compactMap { $0["AlarmName"] as? String })
        if let missing = settings.alarms.first(where: { !names.contains($0) }) {
            throw .service(AWSError(code: "AlarmNotFound", message: "alarm \(missing) does not exist in \(client.region)", status: 404))
        }
        return found.filter { $0["StateValue"] as? String == "ALARM" }.map { a in
            "\(a["AlarmName"] as? String ?? "?"): \(a["StateReason"] as? String ?? "in ALARM")"
        }
    }
}
