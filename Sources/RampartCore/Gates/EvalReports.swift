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

    /// One testsuite per gate: a testcase for the gate's verdict and one per item. An item that
    /// misses its mark fails only when its gate did not pass; in a passing gate it passes with the
    /// note in system-out, so CI shows red exactly when the pipeline would block. A request that
    /// failed is an `<error>` (its item, and the gate's verdict when the errors block it), never a
    /// pass or a failure: CI parsers count those apart.
    public static func junit(pipeline: String, reports: [GateReport]) -> String {
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let tests = reports.reduce(0) { $0 + 1 + $1.items.count }
        var failures = 0
        var errors = 0
        var suites = ""
        for r in reports {
            let g = r.result
            var suiteFailures = 0
            var suiteErrors = 0
            var cases = ""
            let summary = g.checks.map { c in
                "\(c.threshold): \(String(format: "%.4f", c.candidate)) \(c.comparison.rawValue) \(c.limit) [95% \(String(format: "%.4f", c.interval.low))–\(String(format: "%.4f", c.interval.high)), n=\(c.n), \(c.method)] \(c.verdict.rawValue)"
            }.joined(separator: "; ")
            cases += "    <testcase classname=\"\(xml(g.name))\" name=\"gate verdict\">\n"
            if g.verdict == .error, let e = g.errors {
                suiteErrors += 1
                cases += "      <error message=\"\(xml("ERROR: \(e.summary)"))\" type=\"\(xml(e.first.kind.rawValue))\"/>\n"
            } else if !g.passed {
                suiteFailures += 1
                cases += "      <failure message=\"\(xml("\(g.verdict.rawValue): \(summary)"))\" type=\"\(g.verdict.rawValue)\"/>\n"
            }
            cases += "      <system-out>\(xml(summary))</system-out>\n    </testcase>\n"
            for item in r.items {
                cases += "    <testcase classname=\"\(xml(g.name))\" name=\"\(xml(item.id))\">\n"
                if let error = item.error {
                    suiteErrors += 1
                    cases += "      <error message=\"\(xml(error))\" type=\"\(xml(item.errorKind?.rawValue ?? "error"))\"/>\n"
                } else if !item.passed {
                    let message = item.detail ?? "missed"
                    if g.passed {
                        cases += "      <system-out>\(xml("below the item mark, within the gate's tolerance: \(message)"))</system-out>\n"
                    } else {
                        suiteFailures += 1
                        cases += "      <failure message=\"\(xml(message))\" type=\"item\">\(xml(item.sample ?? ""))</failure>\n"
                    }
                }
                cases += "    </testcase>\n"
            }
            failures += suiteFailures
            errors += suiteErrors
            suites +=
                "  <testsuite name=\"\(xml(g.name))\" tests=\"\(1 + r.items.count)\" failures=\"\(suiteFailures)\" errors=\"\(suiteErrors)\">\n\(cases)  </testsuite>\n"
        }
        out +=
            "<testsuites name=\"rampart eval \(xml(pipeline))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\">\n\(suites)</testsuites>\n"
        return out
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
