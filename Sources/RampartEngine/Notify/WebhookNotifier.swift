import Foundation
import RampartCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// POSTs the notification as JSON. The body carries a Slack-compatible `text` line plus the
/// structured fields, so one webhook serves Slack, Mattermost, Teams connectors and custom
/// receivers. Retries with backoff on network errors and 5xx/429; each try has a timeout.
///
/// The channel name shows only the host: webhook URLs are often secrets themselves.
public struct WebhookNotifier: Notifier {
    public let url: String
    public let timeout: Double
    public let retries: Int
    /// Seconds before the first retry; doubles each time.
    public let backoff: Double

    public init(url: String, timeout: Double = 10, retries: Int = 2, backoff: Double = 0.5) {
        self.url = url
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
    }

    public var channel: String {
        guard let u = URL(string: url), let host = u.host else { return "webhook" }
        return "webhook:\(u.scheme ?? "http")://\(host)\(u.port.map { ":\($0)" } ?? "")"
    }

    public func send(_ payload: NotificationPayload) async -> String? {
        guard let target = URL(string: url), target.scheme == "http" || target.scheme == "https" else {
            return "not an http(s) URL"
        }
        let body: Data
        do { body = try RunFileCodec.encoder().encode(payload) } catch { return "cannot encode the notification: \(error)" }
        var request = URLRequest(url: target, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("rampart", forHTTPHeaderField: "User-Agent")
        request.httpBody = body
        let configuration = URLSessionConfiguration.ephemeral
        // The deadline below enforces `timeout`; the session's own limits are a backstop only,
        // kept above a second because below one it failed at once (a 0.5 s timeout in 11 ms).
        configuration.timeoutIntervalForRequest = max(timeout, 1) + 1
        configuration.timeoutIntervalForResource = max(timeout, 1) + 1
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        var lastError = "not sent"
        for attempt in 0...retries {
            if attempt > 0 { try? await Task.sleep(for: .seconds(backoff * pow(2, Double(attempt - 1)))) }
            do {
                let (data, response) = try await HTTPDeadline.data(for: request, within: timeout, session: session)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return nil }
                let snippet = String(decoding: data.prefix(200), as: UTF8.self)
                lastError = "HTTP \(status)" + (snippet.isEmpty ? "" : ": \(snippet)")
                if status != 429 && status < 500 { return lastError + " (not retried)" }
            } catch {
                lastError =
                    (error as? URLError).map { "\($0.code == .timedOut ? "timed out after \(timeout) s" : $0.localizedDescription)" } ?? "\(error)"
            }
        }
        return "\(lastError) after \(retries + 1) attempt\(retries == 0 ? "" : "s")"
    }
}
