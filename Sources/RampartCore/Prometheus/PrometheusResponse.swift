import Foundation

/// The body of a Prometheus HTTP API query answer, reduced to what a canary judge uses: the
/// values of the one series a query must return. Pure, so every shape Prometheus can answer
/// with (vector, matrix, scalar, error, no data, too many series) is tested without a server.
public enum PrometheusResponse {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public let message: String
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    /// Values in time order; empty when the query matched nothing (no data, not an error).
    /// NaN and infinite samples (a rate over no requests is 0/0) count as no data.
    public static func values(_ data: Data) throws(Failure) -> [Double] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Failure("not a Prometheus API answer: \(preview(data))")
        }
        guard (root["status"] as? String) == "success" else {
            let kind = root["errorType"] as? String ?? "error"
            throw Failure("\(kind): \(root["error"] as? String ?? preview(data))")
        }
        guard let body = root["data"] as? [String: Any], let type = body["resultType"] as? String else {
            throw Failure("answer has no data.resultType")
        }
        var points: [Double]
        switch type {
        case "scalar":
            guard let pair = body["result"] as? [Any], let v = sample(pair) else { throw Failure("malformed scalar result") }
            points = [v]
        case "vector":
            let series = body["result"] as? [[String: Any]] ?? []
            try requireOne(series)
            guard let first = series.first else { return [] }
            guard let pair = first["value"] as? [Any], let v = sample(pair) else { throw Failure("malformed vector sample") }
            points = [v]
        case "matrix":
            let series = body["result"] as? [[String: Any]] ?? []
            try requireOne(series)
            guard let first = series.first else { return [] }
            guard let pairs = first["values"] as? [[Any]] else { throw Failure("malformed matrix values") }
            points = try pairs.map { p throws(Failure) in
                guard let v = sample(p) else { throw Failure("malformed matrix sample") }
                return v
            }
        default:
            throw Failure("result type '\(type)' cannot be judged (expected vector, matrix or scalar)")
        }
        return points.filter(\.isFinite)
    }

    /// One arm must be one series; several means the query forgot to aggregate across labels.
    private static func requireOne(_ series: [[String: Any]]) throws(Failure) {
        guard series.count > 1 else { return }
        let labels = series.prefix(3).map { s in
            let m = s["metric"] as? [String: String] ?? [:]
            return "{" + m.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
        }
        throw Failure(
            "query returned \(series.count) series (\(labels.joined(separator: ", "))\(series.count > 3 ? ", ..." : "")); aggregate it to one, e.g. with sum(...) or avg(...)"
        )
    }

    /// `[timestamp, "value"]`: Prometheus sends values as strings, NaN and ±Inf included.
    private static func sample(_ pair: [Any]) -> Double? {
        guard pair.count == 2, let s = pair[1] as? String else { return nil }
        switch s {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: return Double(s)
        }
    }

    private static func preview(_ data: Data) -> String {
        let s = String(decoding: data.prefix(120), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return s.isEmpty ? "(empty body)" : s
    }
}
