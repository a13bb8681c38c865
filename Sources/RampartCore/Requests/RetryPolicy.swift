import Foundation

/// The one retry policy for requests to models: which failures are worth another attempt, how
/// long to wait, and when to give up. Callers keep a single retry loop (a gate's retries are not
/// multiplied by a client's), so a request costs at most `1 + retries` calls.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts after the first.
    public var retries: Int
    /// The first backoff, doubled each attempt, with jitter in [½, 1] of it.
    public var base: Double
    /// No single wait is longer than this, whatever the server asks.
    public var cap: Double
    /// A `Retry-After` longer than this is not waited for: the request fails now instead of
    /// holding a gate for minutes.
    public var maxRetryAfter: Double

    public init(retries: Int, base: Double = 0.5, cap: Double = 30, maxRetryAfter: Double = 60) {
        self.retries = max(0, retries)
        self.base = base
        self.cap = cap
        self.maxRetryAfter = maxRetryAfter
    }

    public var maxAttempts: Int { retries + 1 }

    /// How long to wait before attempt `attempt + 1` after `failure` on attempt `attempt`
    /// (0-based), or nil when the request should fail now. `jitter` is a uniform draw in 0..<1.
    public func delay(after failure: RequestFailure, attempt: Int, jitter: Double) -> Double? {
        guard failure.retryable, attempt < retries else { return nil }
        if let asked = failure.retryAfter {
            guard asked <= maxRetryAfter else { return nil }
            return min(cap, max(0, asked))
        }
        let exponential = base * pow(2, Double(min(attempt, 30)))
        return min(cap, exponential) * (0.5 + 0.5 * jitter)
    }

    /// `Retry-After` as seconds or an HTTP date (RFC 9110 §10.2.3); nil when unreadable.
    public static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds.isFinite, seconds >= 0 { return seconds }
        // The header comes from the server: parsed without ICU, which crashes on some hostile dates.
        guard let date = TimestampText.parseHTTPDate(value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }
}
