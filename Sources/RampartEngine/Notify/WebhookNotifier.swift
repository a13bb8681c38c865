import Foundation
import RampartCore
import RampartNet

/// POSTs the notification as JSON. The body carries a Slack-compatible `text` line plus the
/// structured fields, so one webhook serves Slack, Mattermost, Teams connectors and custom
/// receivers. Retries follow the one `RetryPolicy` (network errors, 408, 429 and 5xx, with
/// backoff and `Retry-After`); each try has a timeout.
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
        let headers = [("Content-Type", "application/json"), ("User-Agent", "rampart")]
        let policy = RetryPolicy(retries: retries, base: backoff)
        var lastError = "not sent"
        var attempt = 0
        while true {
            let failure: RequestFailure
            do {
                let response = try await ServiceHTTP.send("POST", url, headers: headers, body: Array(body), timeout: timeout)
                if (200..<300).contains(response.status) { return nil }
                let snippet = String(response.text.prefix(200))
                lastError = "HTTP \(response.status)" + (snippet.isEmpty ? "" : ": \(snippet)")
                failure = .http(status: response.status, message: snippet, retryAfter: RetryPolicy.retryAfter(response.header("Retry-After")))
            } catch {
                lastError = error == .timedOut ? "timed out after \(String(format: "%g", timeout)) s" : error.message(host: channel, timeout: timeout)
                failure = error.requestFailure(host: channel, timeout: timeout)
            }
            guard let wait = policy.delay(after: failure, attempt: attempt, jitter: Double.random(in: 0..<1)) else {
                if !failure.retryable { return lastError + (failure.status != nil ? " (not retried)" : "") }
                return "\(lastError) after \(attempt + 1) attempt\(attempt == 0 ? "" : "s")"
            }
            try? await Task.sleep(for: .seconds(wait))
            attempt += 1
        }
    }
}
