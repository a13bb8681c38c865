import Foundation
import RampartAWS
import RampartCore

/// `canary.publish: { kind: cloudwatch }`: each version's requests, errors, critical events,
/// tokens and cost, and its latency, time to first token and quality as distributions (so
/// CloudWatch answers percentiles), sent with `PutMetricData` once per interval, under the
/// spec's namespace and dimensions (`{{variant}}` and `{{version}}` filled in per version).
public struct CloudWatchPublisher: PublisherKind, Equatable {
    public static let kind = "cloudwatch"
    public static let keys = ["namespace", "dimensions", "interval", "storage_resolution", "region", "endpoint", "timeout"]

    public var namespace: String
    public var dimensions: [CloudWatchSource.Dimension]
    public var interval: Double
    /// 60 (standard) or 1 (high resolution, billed as such).
    public var storageResolution: Int
    public var region: String?
    public var endpoint: String?
    public var timeout: Double

    /// Settings given directly (`rampart proxy --cloudwatch-namespace`).
    public init(namespace: String, dimensions: [CloudWatchSource.Dimension], interval: Double, storageResolution: Int = 60) {
        self.namespace = namespace
        self.dimensions = dimensions
        self.interval = interval
        self.storageResolution = storageResolution
        timeout = 10
    }

    public init?(_ s: SettingsReader) {
        guard s.require("namespace", hint: "such as Rampart/Canary"), let namespace = s.string("namespace") else { return nil }
        if let problem = Self.namespaceProblem(namespace) { s.error("namespace", problem) }
        self.namespace = namespace
        let dims = s.stringMap("dimensions") ?? [("Variant", "{{variant}}")]
        dimensions = dims.map { CloudWatchSource.Dimension(name: $0.key, value: $0.value) }
        if !dimensions.contains(where: { $0.value.contains("{{version}}") || $0.value.contains("{{variant}}") }) {
            s.error("dimensions", "must tell the versions apart: put {{version}} or {{variant}} in a dimension's value")
        }
        if dimensions.count > 30 { s.error("dimensions", "CloudWatch takes at most 30 dimensions, got \(dimensions.count)") }
        interval = s.duration("interval", minimum: 1) ?? 60
        storageResolution = s.int("storage_resolution") ?? 60
        if storageResolution != 1 && storageResolution != 60 {
            s.error("storage_resolution", "must be 60 (standard) or 1 (high resolution), got \(storageResolution)")
        }
        region = s.awsRegion("region")
        endpoint = s.string("endpoint")
        timeout = s.duration("timeout", minimum: 0.1) ?? 10
    }

    /// What is wrong with a namespace CloudWatch would refuse for PutMetricData, or nil.
    public static func namespaceProblem(_ namespace: String) -> String? {
        guard namespace.isEmpty || namespace.count > 255 || namespace.hasPrefix("AWS/") || namespace.hasPrefix(":") else { return nil }
        return "must be 1 to 255 characters and not start with AWS/ (reserved for AWS services), got '\(namespace)'"
    }

    public var summary: String {
        "CloudWatch namespace \(namespace)" + (region.map { " in \($0)" } ?? "") + " every \(DurationText.format(interval))"
    }

    public func publisher(_ context: KindContext) -> any MetricPublisher {
        let aws = context.aws
        guard let region = aws.setup.region(region) else {
            return UnbuildablePublisher(name: "cloudwatch \(namespace)", why: "no AWS region: set region in canary.publish, or AWS_REGION")
        }
        let versions: [Variant: String] = [.baseline: context.pipeline.baseline.version, .candidate: context.pipeline.candidate.version]
        return publisher(aws: aws, region: region, versions: versions)
    }

    /// The publisher for `variants` (a meter fronts one version and publishes only its own).
    public func publisher(
        aws: AWSRuntime, region: String, versions: [Variant: String] = [:], variants: [Variant] = Variant.allCases
    ) -> any MetricPublisher {
        Publisher(
            settings: self, client: aws.client(.cloudWatch, region: region, endpoint: endpoint, timeout: timeout), versions: versions,
            variants: variants)
    }

    /// `PutMetricData` (JSON 1.0) calls for one window.
    struct Publisher: MetricPublisher {
        var settings: CloudWatchPublisher
        var client: AWSClient
        var versions: [Variant: String]
        var variants: [Variant]

        var name: String { "cloudwatch \(settings.namespace) in \(client.region)" }

        func publish(_ window: MetricWindow, at date: Date) async throws(PublishFailure) {
            for body in PutMetricData.bodies(window, settings: settings, versions: versions, variants: variants, at: date) {
                do {
                    _ = try await client.cloudWatch("PutMetricData", body)
                } catch {
                    throw PublishFailure("PutMetricData: \(error)")
                }
            }
        }
    }
}
