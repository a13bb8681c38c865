import Foundation
import RampartCore

/// The `PutMetricData` requests for one window, as botocore's CloudWatch model shapes them
/// (`Namespace`, `MetricData` of `MetricName`, `Dimensions`, `Timestamp` in epoch seconds,
/// `Value` or `Values` with `Counts`, `Unit`, `StorageResolution`). Pure, so it is tested
/// without a server.
enum PutMetricData {
    /// The metric names Rampart publishes, with their units.
    enum Name: String, CaseIterable {
        case requests = "Requests", errors = "Errors", criticalEvents = "CriticalEvents"
        case promptTokens = "PromptTokens", completionTokens = "CompletionTokens", cost = "Cost"
        case latency = "Latency", timeToFirstToken = "TimeToFirstToken", quality = "Quality"

        var unit: String {
            switch self {
            case .requests, .errors, .criticalEvents, .promptTokens, .completionTokens: "Count"
            case .latency, .timeToFirstToken: "Milliseconds"
            case .cost, .quality: "None"
            }
        }
    }

    /// At most this many datums per call: 150 values and counts each keep a call well under
    /// CloudWatch's 1 MB limit (and its 1,000 datums).
    static let datumsPerCall = 300

    static func bodies(
        _ window: MetricWindow, settings: CloudWatchPublisher, versions: [Variant: String], variants: [Variant] = Variant.allCases, at date: Date
    ) -> [[String: Any]] {
        let data = datums(window, settings: settings, versions: versions, variants: variants, at: date)
        return stride(from: 0, to: data.count, by: datumsPerCall).map { i in
            ["Namespace": settings.namespace, "MetricData": Array(data[i..<min(i + datumsPerCall, data.count)])]
        }
    }

    /// Every version's counts (zeros included, so an alarm sees data), then its distributions
    /// where it has values.
    static func datums(
        _ window: MetricWindow, settings: CloudWatchPublisher, versions: [Variant: String], variants: [Variant] = Variant.allCases, at date: Date
    ) -> [[String: Any]] {
        var out: [[String: Any]] = []
        let timestamp = date.timeIntervalSince1970.rounded(.down)
        for variant in variants {
            let arm = window.arms[variant] ?? MetricWindow.Arm()
            let dims = settings.dimensions.map { $0.rendered(variant, versions: versions) }
            func datum(_ name: Name) -> [String: Any] {
                [
                    "MetricName": name.rawValue, "Dimensions": dims, "Timestamp": timestamp, "Unit": name.unit,
                    "StorageResolution": settings.storageResolution,
                ]
            }
            let counts: [(Name, Double)] = [
                (.requests, Double(arm.requests)), (.errors, Double(arm.errors)), (.criticalEvents, Double(arm.critical)),
                (.promptTokens, Double(arm.promptTokens)), (.completionTokens, Double(arm.completionTokens)), (.cost, arm.cost),
            ]
            for (name, value) in counts {
                var d = datum(name)
                d["Value"] = value
                out.append(d)
            }
            for (name, values) in [(Name.latency, arm.latencyMs), (.timeToFirstToken, arm.ttftMs), (.quality, arm.quality)] {
                for chunk in MetricWindow.distribution(values) {
                    var d = datum(name)
                    d["Values"] = chunk.map(\.value)
                    d["Counts"] = chunk.map { Double($0.count) }
                    out.append(d)
                }
            }
        }
        return out
    }
}
