import Foundation

/// Reads an OpenAI-compatible chat completion stream (server-sent events) as it passes through
/// the proxy, without holding it up: the answer's text for online scoring, the token usage when
/// the upstream sends it (in the last chunk, with `stream_options.include_usage`), whether the
/// stream finished (`data: [DONE]`) and whether it carried an error event.
public struct SSEAccumulator: Sendable {
    public private(set) var text = ""
    public private(set) var promptTokens = 0
    public private(set) var completionTokens = 0
    public private(set) var hasUsage = false
    /// Well-formed data events seen (chunks of JSON).
    public private(set) var events = 0
    public private(set) var done = false
    /// The message of an `{"error": …}` event, if the upstream sent one mid-stream.
    public private(set) var error: String?
    private var pending: [UInt8] = []

    public init() {}

    /// Feeds the bytes of one part; returns whether this part carried the first content.
    @discardableResult
    public mutating func feed(_ bytes: [UInt8]) -> Bool {
        let before = text.isEmpty
        pending += bytes
        while let end = Self.eventEnd(pending) {
            let event = Array(pending[..<end.start])
            pending.removeFirst(end.after)
            handle(event)
        }
        // A runaway event without a separator is not an OpenAI stream; keep memory bounded.
        if pending.count > 1 << 20 { pending.removeAll() }
        return before && !text.isEmpty
    }

    /// Whether the stream, once ended, is a valid answer: at least one chunk, no error event.
    public var isValidAnswer: Bool { events > 0 && error == nil }

    /// An event ends at a blank line: "\n\n", "\r\n\r\n" (or a mix).
    static func eventEnd(_ b: [UInt8]) -> (start: Int, after: Int)? {
        var i = 0
        while i + 1 < b.count {
            if b[i] == 0x0A && b[i + 1] == 0x0A { return (i, i + 2) }
            if b[i] == 0x0A && b[i + 1] == 0x0D && i + 2 < b.count && b[i + 2] == 0x0A { return (i, i + 3) }
            i += 1
        }
        return nil
    }

    private mutating func handle(_ event: [UInt8]) {
        let lines = String(decoding: event, as: UTF8.self).split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        var data = ""
        for line in lines where line.hasPrefix("data:") {
            var payload = line.dropFirst(5)
            if payload.first == " " { payload = payload.dropFirst() }
            data += data.isEmpty ? String(payload) : "\n" + payload
        }
        guard !data.isEmpty else { return }
        if data.trimmingCharacters(in: .whitespaces) == "[DONE]" {
            done = true
            return
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any] else { return }
        if let e = object["error"] {
            error = ((e as? [String: Any])?["message"] as? String) ?? "\(e)"
            return
        }
        events += 1
        if let choices = object["choices"] as? [[String: Any]], let first = choices.first,
            let delta = first["delta"] as? [String: Any], let content = delta["content"] as? String
        {
            text += content
        }
        if let usage = object["usage"] as? [String: Any] {
            hasUsage = true
            promptTokens = (usage["prompt_tokens"] as? NSNumber)?.intValue ?? promptTokens
            completionTokens = (usage["completion_tokens"] as? NSNumber)?.intValue ?? completionTokens
        }
    }
}
