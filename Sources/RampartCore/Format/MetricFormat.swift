import Foundation

/// Renders metric values with their units, the same way in headless lines and the dashboard.
public enum MetricFormat {
    public static func value(_ metric: CanaryMetric, _ v: Double) -> String {
        switch metric {
        case .latencyP50, .latencyP95: CFormat.fixed(v, places: 0) + "ms"
        case .errorRate: CFormat.fixed(v * 100, places: 2) + "%"
        case .tokensPerRequest: CFormat.fixed(v, places: 1) + " tok"
        case .costPerRequest: CFormat.string("$%.5f", v)
        case .quality: CFormat.fixed(v, places: 3)
        case .criticalEvents: String(Int(saturating: v))
        }
    }

    public static func percent(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? "\(Int(v))%" : CFormat.fixed(v, places: 1) + "%"
    }
}
