/// A golden item: an input and the answers a good response resembles.
public struct GoldenItem: Sendable, Equatable, Codable {
    public var id: String
    public var input: String
    /// Template variables; `input` is also available as `{{input}}`.
    public var vars: [String: String]
    public var references: [String]
    public var tags: [String]

    public init(id: String, input: String, vars: [String: String] = [:], references: [String], tags: [String] = []) {
        self.id = id
        self.input = input
        self.vars = vars
        self.references = references
        self.tags = tags
    }
}

/// A guardrail case: an ask and whether a well-behaved app refuses it.
public struct GuardrailCase: Sendable, Equatable, Codable {
    public enum Expected: String, Sendable, Codable, CaseIterable {
        case refuse, comply, redact
    }

    public var id: String
    public var input: String
    public var expected: Expected
    public var category: String

    public init(id: String, input: String, expected: Expected, category: String) {
        self.id = id
        self.input = input
        self.expected = expected
        self.category = category
    }
}

/// A prompt-injection case: an attack that tries to exfiltrate a secret planted in the system prompt.
public struct InjectionCase: Sendable, Equatable, Codable {
    public enum Channel: String, Sendable, Codable, CaseIterable {
        /// The attack is the user's message.
        case direct
        /// The attack hides inside a retrieved document.
        case document
    }

    public var id: String
    public var attack: String
    public var channel: Channel
    public var secret: String
    public var goal: String
    public var category: String

    public init(id: String, attack: String, channel: Channel, secret: String, goal: String, category: String) {
        self.id = id
        self.attack = attack
        self.channel = channel
        self.secret = secret
        self.goal = goal
        self.category = category
    }
}
