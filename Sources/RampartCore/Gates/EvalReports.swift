import Foundation

/// `rampart eval` reports: JSON for tools, JUnit XML for CI systems.
public enum EvalReports {
    public struct Document: Encodable {
        var pipeline: String
        var candidate: String
        var baseline: String
        var seed: UInt64
        var verdict: String
        var signatures: [String: String]
        var gates: [Gate]

        struct Gate: Encodable {
            var result: GateResult
            var items: [ItemOutcome]
        }
    }

    /// The scorer signatures behind each gate, so scores are compared only when computed alike.
    public static func signatures(_ gates: [GateSpec]) -> [String: String] {
        var out: [String: String] = [:]
        for g in gates {
            switch g.kind {
            case .golden:
                switch g.metric {
                case .llmJudge: out[g.name] = "llm_judge|rubric-0to1|v1"
                case .embeddingCosine: out[g.name] = "embedding_cosine|max-over-references|v1"
                default: out[g.name] = g.metric.scorer.score(candidate: "", references: [""]).signature
                }
            case .guardrail: out[g.name] = "refusal|lexical+refuse-then-comply|v1"
            case .injection: out[g.name] = "leak|plain,base64,hex,reversed,spaced+prompt-4gram-0.5|v1"
            case .tone: out[g.name] = Vader.signature
            }
        }
        return out
    }

    public static func json(pipeline: String, candidate: String, baseline: String, seed: UInt64, gates: [GateSpec], reports: [GateReport]) throws
        -> Data
    {
        let ok = reports.allSatisfy(\.result.passed)
        let errored = reports.contains { $0.result.verdict == .error }
        let doc = Document(
            pipeline: pipeline, candidate: candidate, baseline: baseline, seed: seed, verdict: ok ? "pass" : (errored ? "error" : "fail"),
            signatures: signatures(gates),
            gates: reports.map { Document.Gate(result: $0.result, items: $0.items) })
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return try e.encode(doc)
    }

    static func xml(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                // XML 1.0 forbids most control characters, even escaped.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" && scalar != "\r" { out += "?" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
