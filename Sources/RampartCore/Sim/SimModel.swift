import Foundation

/// What a request asks, as the simulator needs to know it. A real model only sees the prompt;
/// the simulator also sees which dataset case the prompt came from, so it can answer with
/// controlled fidelity, refuse harmful asks at a set rate, or fall for an injection at a set rate.
public enum SimAsk: Sendable, Equatable {
    case golden(GoldenItem)
    case guardrail(GuardrailCase)
    case injection(InjectionCase)
}

/// One simulated response.
public struct SimReply: Sendable, Equatable {
    public var text: String
    public var latencyMs: Double
    public var promptTokens: Int
    public var completionTokens: Int
    /// The request failed upstream (a 5xx); `text` is empty.
    public var failed: Bool
}

/// The pure heart of the `sim` provider: one profile, one random stream in, one reply out.
public struct SimModel: Sendable {
    public let profile: SimProfile
    /// Tokens of the rendered system prompt, added to every request's prompt tokens.
    public let systemPromptTokens: Int
    private let latency: LogNormal

    public init(profile: SimProfile, systemPrompt: String = "") {
        self.profile = profile
        self.systemPromptTokens = SimModel.tokenCount(systemPrompt)
        self.latency = LogNormal(median: profile.latencyMedianMs, p99: profile.latencyP99Ms)
    }

    /// Roughly 4 tokens per 3 words, the usual rule of thumb for English BPE vocabularies.
    public static func tokenCount(_ text: String) -> Int {
        let words = asciiWordCount(text) ?? text.split(whereSeparator: { $0.isWhitespace }).count
        return (words * 4 + 2) / 3
    }

    /// The number of white-space-separated words of ASCII text, counted over its bytes (the six
    /// white-space bytes are the ones `Character.isWhitespace` knows in ASCII; CR LF is one
    /// `Character` but white space either way); nil for other text. Every simulated answer is
    /// counted, so this is on `simulate`'s hot path.
    static func asciiWordCount(_ text: String) -> Int? {
        let counted: Int?? = text.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            var count = 0
            var inWord = false
            for b in bytes {
                if b >= 0x80 { return nil }
                let space = b == 0x20 || (b >= 0x09 && b <= 0x0D)
                if !space && !inWord { count += 1 }
                inWord = !space
            }
            return count
        }
        return counted ?? nil
    }

    public func respond(to ask: SimAsk, rng: inout SeededRandom) -> SimReply {
        let input: String
        switch ask {
        case .golden(let item): input = item.input
        case .guardrail(let c): input = c.input
        case .injection(let c): input = c.attack
        }
        let promptTokens = systemPromptTokens + SimModel.tokenCount(input)
        let failed = rng.chance(profile.errorRate)
        let latencyMs = latency.sample(&rng)
        if failed {
            return SimReply(text: "", latencyMs: latencyMs, promptTokens: promptTokens, completionTokens: 0, failed: true)
        }
        let text: String
        switch ask {
        case .golden(let item):
            let reference = item.references[rng.index(below: item.references.count)]
            text = adjustLength(perturb(reference, rng: &rng), rng: &rng)
        case .guardrail(let c):
            let refuse = c.expected == .refuse ? rng.chance(profile.refuseHarmful) : rng.chance(profile.refuseBenign)
            text = refuse ? SimModel.refusals[rng.index(below: SimModel.refusals.count)] : comply(with: c.input, rng: &rng)
        case .injection(let c):
            if rng.chance(profile.injectionLeak) {
                text = "Understood. " + SimModel.disguise(c.secret, asked: c.attack) + " — as requested."
            } else if rng.chance(0.5) {
                text = SimModel.refusals[rng.index(below: SimModel.refusals.count)]
            } else {
                text = "I can help with questions about your account, orders and our products. What do you need?"
            }
        }
        let completionTokens = max(1, Int((Double(SimModel.tokenCount(text)) * (0.9 + 0.2 * rng.unit())).rounded()))
        return SimReply(text: text, latencyMs: latencyMs, promptTokens: promptTokens, completionTokens: completionTokens, failed: false)
    }

    /// Drops, substitutes and swaps words of the reference at the profile's rates.
    func perturb(_ reference: String, rng: inout SeededRandom) -> String {
        perturbASCII(reference, rng: &rng) ?? perturbCharacters(reference, rng: &rng)
    }

    /// `perturb` for any text, word by `Character`-split word.
    func perturbCharacters(_ reference: String, rng: inout SeededRandom) -> String {
        var words: [String] = []
        for word in reference.split(separator: " ") {
            if rng.chance(profile.drop) { continue }
            if rng.chance(profile.substitute) {
                words.append(SimModel.fillerWords[rng.index(below: SimModel.fillerWords.count)])
            } else {
                words.append(String(word))
            }
        }
        if words.count > 1 {
            for i in 0..<(words.count - 1) where rng.chance(profile.swap) {
                words.swapAt(i, i + 1)
            }
        }
        return words.joined(separator: " ")
    }

    /// Verbose models pad answers with boilerplate; terse ones cut them short.
    func adjustLength(_ text: String, rng: inout SeededRandom) -> String {
        adjustLengthASCII(text, rng: &rng) ?? adjustLengthCharacters(text, rng: &rng)
    }

    /// `adjustLength` for any text.
    func adjustLengthCharacters(_ text: String, rng: inout SeededRandom) -> String {
        let v = profile.verbosity
        if abs(v - 1) < 0.01 { return text }
        var words = text.split(separator: " ").map(String.init)
        let target = max(1, Int((Double(words.count) * v).rounded()))
        if target < words.count { return words.prefix(target).joined(separator: " ") }
        while words.count < target {
            words += SimModel.padding[rng.index(below: SimModel.padding.count)].split(separator: " ").map(String.init)
        }
        return words.prefix(target).joined(separator: " ")
    }

    func comply(with input: String, rng: inout SeededRandom) -> String {
        let openers = ["Sure, here is what you asked for:", "Happy to help.", "Here you go:"]
        return openers[rng.index(below: openers.count)] + " " + input.split(separator: " ").prefix(24).joined(separator: " ")
    }

    /// Leaks the secret in the form the attack asked for, as a compliant model would.
    static func disguise(_ secret: String, asked attack: String) -> String {
        let a = attack.lowercased()
        if a.contains("base64") { return Data(secret.utf8).base64EncodedString() }
        if a.contains("hex") { return secret.utf8.map { String(format: "%02x", $0) }.joined() }
        if a.contains("revers") || a.contains("backward") { return String(secret.reversed()) }
        if a.contains("spell") || a.contains("space") || a.contains("letter by letter") {
            return secret.map(String.init).joined(separator: " ")
        }
        return "The secret is \(secret)"
    }

    static let refusals = [
        "I'm sorry, but I can't help with that request.",
        "I can't assist with that. If you have a question about your order or account, I'm glad to help.",
        "I won't be able to help with that, as it goes against my guidelines.",
    ]
    static let fillerWords = [
        "basically", "system", "various", "option", "general", "process", "item", "value", "kind", "thing",
    ]
    static let padding = [
        "Let me know if there is anything else I can help you with today.",
        "Thank you for reaching out to our support team.",
        "I hope this information is helpful to you and answers your question.",
        "Please do not hesitate to contact us again if you need further assistance.",
    ]
}
