/// Token usage and answer text read straight off an OpenAI-compatible answer's bytes, for the
/// proxy, which reads every answer it relays: through `JSONSerialization` that cost more CPU than
/// the rest of the relay's user-space work together (`rampart-bench proxy-nginx`).
///
/// The answer is always the one `JSONSerialization` would lead to, or nil ("ask Foundation"):
/// the tape is as strict as Foundation's parser, a key found twice or spelled with escapes, a
/// count that is not a plain integer, and text that is not valid UTF-8 are all left to it.
public enum OpenAIAnswerScan {
    public enum Outcome: Equatable, Sendable {
        case answer(promptTokens: Int, completionTokens: Int, text: String?)
        /// Not the JSON object an OpenAI-compatible server sends for this path.
        case malformed
    }

    public static func scan(_ body: [UInt8], chat: Bool, embeddings: Bool) -> Outcome? {
        body.withUnsafeBytes { bytes in
            guard let tape = JSONTape.parse(bytes) else { return nil }
            guard tape.tokens[0].kind == .object else { return .malformed }
            return try? read(tape, chat: chat, embeddings: embeddings)
        }
    }

    private static func read(_ tape: JSONTape, chat: Bool, embeddings: Bool) throws -> Outcome {
        var root = try TapeObject(tape, at: 0)
        var prompt = 0, completion = 0
        if let u = root.member("usage"), tape.tokens[u].kind == .object {
            var usage = try TapeObject(tape, at: u)
            prompt = try count(tape, usage.member("prompt_tokens"))
            completion = try count(tape, usage.member("completion_tokens"))
        }
        if chat {
            // `choices` must be a non-empty array of objects, as `as? [[String: Any]]` requires.
            guard let c = root.member("choices"), tape.tokens[c].kind == .array, tape.tokens[c].count > 0 else { return .malformed }
            var element = c + 1
            for _ in 0..<tape.tokens[c].count {
                guard tape.tokens[element].kind == .object else { return .malformed }
                element = Int(tape.tokens[element].next)
            }
            var first = try TapeObject(tape, at: c + 1)
            var text = ""
            if let m = first.member("message"), tape.tokens[m].kind == .object {
                var message = try TapeObject(tape, at: m)
                if let content = message.member("content"), tape.tokens[content].kind == .string || tape.tokens[content].kind == .escapedString {
                    text = try tape.string(content)
                }
            }
            return .answer(promptTokens: prompt, completionTokens: completion, text: text)
        }
        if embeddings {
            guard let d = root.member("data"), tape.tokens[d].kind == .array else { return .malformed }
        }
        return .answer(promptTokens: prompt, completionTokens: completion, text: nil)
    }

    /// A count as `(x as? NSNumber)?.intValue ?? 0` reads it: absent or not a number is 0; a plain
    /// integer is itself; a fraction, an exponent or a boolean (an NSNumber too) is Foundation's.
    private static func count(_ tape: JSONTape, _ index: Int?) throws -> Int {
        guard let index else { return 0 }
        switch tape.tokens[index].kind {
        case .number: return try tape.int(index)
        case .trueValue, .falseValue: throw FastJSONDecoder.Unsure()
        default: return 0
        }
    }
}
