import Foundation

/// What a JUnit report says about where and when it ran, which strict parsers (Jenkins, the Ant
/// schema) require on every testsuite: when (`timestamp`, UTC, no zone, as the Ant schema
/// wants), where (`hostname`), how long each gate took (wall seconds), and the properties that
/// say what was compared (model versions, seed, the spec's SHA-256).
public struct JUnitContext: Sendable, Equatable {
    public struct Property: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var timestamp: String
    public var hostname: String
    /// Wall seconds per gate; a gate not listed took 0.
    public var seconds: [String: Double]
    /// On every testsuite.
    public var properties: [Property]
    /// On one gate's testsuite only (its kind, dataset, metric).
    public var gateProperties: [String: [Property]]

    public init(
        timestamp: String = "1970-01-01T00:00:00", hostname: String = "localhost", seconds: [String: Double] = [:], properties: [Property] = [],
        gateProperties: [String: [Property]] = [:]
    ) {
        self.timestamp = timestamp
        self.hostname = hostname
        self.seconds = seconds
        self.properties = properties
        self.gateProperties = gateProperties
    }

    /// `2026-12-05T21:40:07`: ISO 8601 in UTC without the zone, the Ant schema's form.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year ?? 1970, c.month ?? 1, c.day ?? 1, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}

extension EvalReports {
    /// One testsuite per gate: a testcase for the gate's verdict and one per item. An item that
    /// misses its mark fails only when its gate did not pass; in a passing gate it passes with the
    /// note in system-out, so CI shows red exactly when the pipeline would block. A request that
    /// failed is an `<error>` (its item, and the gate's verdict when the errors block it), never a
    /// pass or a failure: CI parsers count those apart.
    public static func junit(pipeline: String, reports: [GateReport], context: JUnitContext = JUnitContext()) -> String {
        var out = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let tests = reports.reduce(0) { $0 + 1 + $1.items.count }
        var failures = 0
        var errors = 0
        var suites = ""
        for (index, r) in reports.enumerated() {
            let g = r.result
            var suiteFailures = 0
            var suiteErrors = 0
            var cases = ""
            let summary = g.checks.map { c in
                "\(c.threshold): \(String(format: "%.4f", c.candidate)) \(c.comparison.rawValue) \(c.limit) [95% \(String(format: "%.4f", c.interval.low))–\(String(format: "%.4f", c.interval.high)), n=\(c.n), \(c.method)] \(c.verdict.rawValue)"
            }.joined(separator: "; ")
            let seconds = context.seconds[g.name] ?? 0
            cases += "    <testcase classname=\"\(xml(g.name))\" name=\"gate verdict\" time=\"\(time(seconds))\">\n"
            if g.verdict == .error, let e = g.errors {
                suiteErrors += 1
                cases += "      <error message=\"\(xml("ERROR: \(e.summary)"))\" type=\"\(xml(e.first.kind.rawValue))\"/>\n"
            } else if !g.passed {
                suiteFailures += 1
                cases += "      <failure message=\"\(xml("\(g.verdict.rawValue): \(summary)"))\" type=\"\(g.verdict.rawValue)\"/>\n"
            }
            cases += "      <system-out>\(xml(summary))</system-out>\n    </testcase>\n"
            for item in r.items {
                cases += "    <testcase classname=\"\(xml(g.name))\" name=\"\(xml(item.id))\" time=\"0\">\n"
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
            let properties = (context.properties + (context.gateProperties[g.name] ?? [])).map { p in
                "      <property name=\"\(xml(p.name))\" value=\"\(xml(p.value))\"/>\n"
            }.joined()
            let attributes =
                "name=\"\(xml(g.name))\" package=\"\(xml(pipeline))\" id=\"\(index)\" timestamp=\"\(xml(context.timestamp))\" hostname=\"\(xml(context.hostname))\" tests=\"\(1 + r.items.count)\" failures=\"\(suiteFailures)\" errors=\"\(suiteErrors)\" skipped=\"0\" time=\"\(time(seconds))\""
            suites +=
                "  <testsuite \(attributes)>\n    <properties>\n\(properties)    </properties>\n\(cases)    <system-out/>\n    <system-err/>\n  </testsuite>\n"
        }
        // No `timestamp` here: the schema strict parsers use allows it on each testsuite only.
        out +=
            "<testsuites name=\"rampart eval \(xml(pipeline))\" tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" time=\"\(time(context.seconds.values.reduce(0, +)))\">\n\(suites)</testsuites>\n"
        return out
    }

    /// Seconds with millisecond precision, never negative or exponential (xs:decimal).
    static func time(_ seconds: Double) -> String {
        String(format: "%.3f", seconds.isFinite ? max(0, min(seconds, 1e9)) : 0)
    }
}
