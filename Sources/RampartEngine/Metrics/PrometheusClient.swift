import Foundation
import RampartCore
import RampartNet

/// Instant and range queries over Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_range`).
/// Queries go out as form-encoded POSTs, so long PromQL never meets a URL length limit.
public struct PrometheusClient: Sendable {
    public let baseURL: String
    public let timeout: Double
    /// Sent as `Authorization: Bearer`; read from the environment, never logged.
    private let token: String?

    public init(baseURL: String, timeout: Double, token: String?) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.timeout = timeout
        self.token = token
    }

    /// The query's value now.
    public func instant(_ query: String, at time: Date? = nil) async throws(PrometheusResponse.Failure) -> [Double] {
        var form = ["query": query]
        if let time { form["time"] = Self.timestamp(time) }
        return try await post("/api/v1/query", form)
    }

    /// The query's values from `start` to `end`, one every `step` seconds.
    public func range(_ query: String, start: Date, end: Date, step: Double) async throws(PrometheusResponse.Failure) -> [Double] {
        try await post("/api/v1/query_range", ["query": query, "start": Self.timestamp(start), "end": Self.timestamp(end), "step": "\(step)"])
    }

    private static func timestamp(_ d: Date) -> String {
        String(format: "%.3f", d.timeIntervalSince1970)
    }

    private func post(_ path: String, _ form: [String: String]) async throws(PrometheusResponse.Failure) -> [Double] {
        var headers = [("Content-Type", "application/x-www-form-urlencoded")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        let body = Array(form.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.formEscape($0.value))" }.joined(separator: "&").utf8)
        let data: Data
        let status: Int
        do {
            let response = try await ServiceHTTP.send("POST", baseURL + path, headers: headers, body: body, timeout: timeout)
            data = Data(response.body)
            status = response.status
        } catch {
            // Stable wording per cause, so a failure that persists is reported once.
            switch error {
            case .timedOut: throw .init("no answer from \(baseURL) within \(DurationText.format(timeout))")
            case .refused: throw .init("cannot reach \(baseURL): connection refused")
            case .unknownHost: throw .init("cannot reach \(baseURL): host not found")
            case .connectionLost: throw .init("cannot reach \(baseURL): connection lost")
            case .invalidURL: throw .init("not a URL: \(baseURL)\(path)")
            default: throw .init(error.message(host: baseURL, timeout: timeout))
            }
        }
        // Prometheus answers bad PromQL with 400 and a JSON body that says why; keep that message.
        do {
            return try PrometheusResponse.values(data)
        } catch {
            throw .init(status == 200 ? error.message : "HTTP \(status): \(error.message)")
        }
    }

    private static func formEscape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
