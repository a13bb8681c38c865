import Foundation
import RampartAWS
import RampartCore

/// `metrics_source: { kind: cloudwatch }`: the canary judged from CloudWatch, where a fleet
/// behind a Lambda alias or a load balancer already reports per version. Each arm's metrics are
/// read with `GetMetricData` over the step so far (the engine clock's window, in CloudWatch's
/// periods), with `{{variant}}` and `{{version}}` in the dimensions; request and error counts
/// come from `Sum`s, so the sequential judge gets counts as it does from Prometheus. No data is
/// no data, never a pass. Named alarms guard the canary: one in `ALARM` rolls it back at once,
/// with its name and reason, as CodeDeploy does.
public struct CloudWatchSource: MetricSourceKind, Equatable {
    public static let kind = "cloudwatch"
    public static let keys = ["namespace", "dimensions", "period", "requests", "errors", "metrics", "alarms", "region", "endpoint", "timeout"]

    /// One CloudWatch metric and statistic.
    public struct Stat: Equatable, Sendable {
        public var namespace: String?
        public var metric: String
        public var stat: String
    }

    public struct Dimension: Equatable, Sendable {
        public var name: String
        /// With `{{variant}}` and `{{version}}` replaced per arm.
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// The dimension as CloudWatch sees it for one arm.
        func rendered(_ v: Variant, versions: [Variant: String]) -> [String: String] {
            [
                "Name": name,
                "Value": value.replacingOccurrences(of: "{{variant}}", with: v.rawValue)
                    .replacingOccurrences(of: "{{version}}", with: versions[v] ?? v.rawValue),
            ]
        }
    }

    public var namespace: String
    public var dimensions: [Dimension]
    public var period: Int
    public var requests: Stat
    public var errors: Stat?
    public var metrics: [CanaryMetric: Stat]
    public var alarms: [String]
    public var region: String?
    public var endpoint: String?
    public var timeout: Double

    public init?(_ s: SettingsReader, checks: [MetricCheck]) {
        guard s.require("namespace"), s.require("dimensions", hint: "such as { FunctionName: bot, Resource: \"bot:{{version}}\" }"),
            s.require("requests", hint: "the count of requests per arm, such as { metric: Invocations, stat: Sum }"),
            let namespace = s.string("namespace"), let dims = s.stringMap("dimensions"), let requests = Self.stat(s, "requests")
        else { return nil }
        self.namespace = namespace
        dimensions = dims.map { Dimension(name: $0.key, value: $0.value) }
        if !dimensions.contains(where: { $0.value.contains("{{version}}") || $0.value.contains("{{variant}}") }) {
            s.error("dimensions", "must tell the versions apart: put {{version}} or {{variant}} in a dimension's value")
        }
        self.requests = requests
        if requests.stat != "Sum" && requests.stat != "SampleCount" {
            s.error("requests", "a request count is a Sum or a SampleCount, got \(requests.stat)")
        }
        errors = s.has("errors") ? Self.stat(s, "errors") : nil
        var metrics: [CanaryMetric: Stat] = [:]
        if let m = s.mapping("metrics", allowed: CanaryMetric.allCases.map(\.rawValue)) {
            for metric in CanaryMetric.allCases where m.has(metric.rawValue) {
                if let stat = Self.stat(m, metric.rawValue) { metrics[metric] = stat }
            }
        }
        self.metrics = metrics
        for check in checks where metrics[check.metric] == nil && !(check.metric == .errorRate && s.has("errors")) {
            s.error(
                "metrics",
                "the canary checks \(check.metric.rawValue), which CloudWatch is not told how to read: add metrics.\(check.metric.rawValue): { metric, stat }"
                    + (check.metric == .errorRate ? " or errors: { metric, stat: Sum }" : ""))
        }
        period = s.int("period", in: 1...86_400) ?? 60
        if ![1, 5, 10, 30].contains(period) && period % 60 != 0 {
            s.error("period", "CloudWatch periods are 1, 5, 10, 30 or a multiple of 60 seconds")
        }
        alarms = s.strings("alarms") ?? []
        region = s.awsRegion("region")
        endpoint = s.string("endpoint")
        timeout = s.duration("timeout", minimum: 0.1) ?? 10
    }

    /// `{ metric, stat, namespace }` under `key`.
    static func stat(_ s: SettingsReader, _ key: String) -> Stat? {
        guard let m = s.mapping(key, allowed: ["metric", "stat", "namespace"], required: ["metric", "stat"]), let metric = m.string("metric"),
            let stat = m.string("stat")
        else { return nil }
        guard validStat(stat) else {
            m.error("stat", "must be Sum, SampleCount, Average, Minimum, Maximum or a percentile such as p95 or p99.9, got '\(stat)'")
            return nil
        }
        return Stat(namespace: m.string("namespace"), metric: metric, stat: stat)
    }

    static func validStat(_ stat: String) -> Bool {
        if ["Sum", "SampleCount", "Average", "Minimum", "Maximum"].contains(stat) { return true }
        guard stat.hasPrefix("p"), let n = Double(stat.dropFirst()), n > 0, n <= 100 else { return false }
        return stat.dropFirst().allSatisfy { $0.isNumber || $0 == "." }
    }

    public var summary: String {
        "CloudWatch \(namespace)" + (region.map { " in \($0)" } ?? "") + (alarms.isEmpty ? "" : ", guarded by \(alarms.count) alarm(s)")
    }

    public func source(_ context: KindContext) -> any MetricSource {
        let aws = context.aws
        guard let region = aws.setup.region(region) else {
            return UnbuildableSource(name: "cloudwatch", why: "no AWS region: set region in metrics_source, or AWS_REGION")
        }
        let versions: [Variant: String] = [.baseline: context.pipeline.baseline.version, .candidate: context.pipeline.candidate.version]
        return CloudWatchMetrics(
            settings: self, client: aws.client(.cloudWatch, region: region, endpoint: endpoint, timeout: timeout), versions: versions)
    }
}
