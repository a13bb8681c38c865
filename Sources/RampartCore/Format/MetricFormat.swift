import Foundation

/// Renders metric values with their units, the same way in headless lines and the dashboard.
public enum MetricFormat {
    public static func value(_ metric: CanaryMetric, _ v: Double) -> String {
        switch metric {
        case .latencyP50, .latencyP95: String(format: "%.0fms", v)
        case .errorRate: String(format: "%.2f%%", v * 100)
        case .tokensPerRequest: String(format: "%.1f tok", v)
        case .costPerRequest: String(format: "$%.5f", v)
        case .quality: String(format: "%.3f", v)
        case .criticalEvents: String(Int(saturating: v))
        }
    }

    public static func percent(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? "\(Int(v))%" : String(format: "%.1f%%", v)
    }
}
