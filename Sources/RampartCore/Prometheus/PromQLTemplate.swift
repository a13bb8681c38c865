import Foundation

/// Fills the placeholders of a PromQL query for one arm and one analysis.
///
/// Placeholders are `{{variant}}` (`baseline` or `candidate`, the label Rampart's proxy uses),
/// `{{version}}` (the arm's version from the spec, for services that label by release),
/// `{{interval}}` (the analysis interval), `{{elapsed}}` (time since the step started, so
/// `x offset {{elapsed}}` is the value when the step began) and `{{resolution}}` (the step of
/// range queries, the width of one point). Durations are in PromQL's syntax:
/// whole seconds (`10s`), or milliseconds when that is not exact (`36200ms`).
public enum PromQLTemplate {
    public static let placeholders = ["variant", "version", "interval", "elapsed", "resolution"]

    public struct Context: Sendable, Equatable {
        public var variant: Variant
        public var version: String
        public var interval: Double
        public var elapsed: Double
        public var resolution: Double

        public init(variant: Variant, version: String, interval: Double, elapsed: Double, resolution: Double = 5) {
            self.resolution = resolution
            self.variant = variant
            self.version = version
            self.interval = interval
            self.elapsed = elapsed
        }
    }

    /// Placeholders in `expr` that Rampart does not know, in order of appearance.
    public static func unknownPlaceholders(in expr: String) -> [String] {
        names(in: expr).filter { !placeholders.contains($0) }
    }

    public static func render(_ expr: String, _ c: Context) -> String {
        var out = ""
        var rest = Substring(expr)
        while let open = rest.range(of: "{{") {
            out += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                rest = rest[open.lowerBound...]
                break
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            switch name {
            case "variant": out += c.variant.rawValue
            case "version": out += c.version
            case "interval": out += duration(c.interval)
            case "elapsed": out += duration(c.elapsed)
            case "resolution": out += duration(c.resolution)
            default: out += rest[open.lowerBound..<close.upperBound]
            }
            rest = rest[close.upperBound...]
        }
        return out + rest
    }

    /// At least one second: PromQL rejects `0s` as a range, and a step younger than a second
    /// has nothing to judge anyway.
    public static func duration(_ seconds: Double) -> String {
        let ms = max(1000, Int((seconds * 1000).rounded()))
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }

    static func names(in expr: String) -> [String] {
        var out: [String] = []
        var rest = Substring(expr)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            out.append(rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces))
            rest = rest[close.upperBound...]
        }
        return out
    }
}
