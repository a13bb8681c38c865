import Foundation

/// GitHub Actions workflow commands for a gate run (`rampart eval --annotations github`): each
/// gate that blocks becomes an error on the run's summary, and its failing items errors on the
/// dataset lines they came from, so a reviewer lands on the case that failed, not on a log.
///
/// GitHub shows at most 10 error annotations per step, so the items are capped at
/// `itemLimit` with one notice saying how many more are in the JUnit report.
public enum GitHubAnnotations {
    public static let itemLimit = 8

    /// Where an item came from: its dataset file (relative to the workspace) and line.
    public struct Location: Sendable, Equatable {
        public var file: String
        public var line: Int

        public init(file: String, line: Int) {
            self.file = file
            self.line = line
        }
    }

    public static func lines(_ reports: [GateReport], locate: (_ gate: String, _ item: String) -> Location?) -> [String] {
        var out: [String] = []
        var items: [String] = []
        var more = 0
        for r in reports where !r.result.passed {
            let g = r.result
            // The event line without its "gate" column: the title says it is a gate.
            let line = EventLine.text(.gate(g))
            let summary =
                g.verdict == .error
                ? g.errors.map { "ERROR: \($0.summary)" } ?? "ERROR"
                : String(line.drop { !$0.isWhitespace }.drop { $0.isWhitespace })
            out.append(command("error", ["title": "rampart gate \(g.name): \(g.verdict.rawValue.uppercased())"], summary))
            for item in r.items where item.error != nil || !item.passed {
                guard items.count < itemLimit else {
                    more += 1
                    continue
                }
                var properties = ["title": "\(g.name): item \(item.id)"]
                if let at = locate(g.name, item.id) {
                    properties["file"] = at.file
                    properties["line"] = String(at.line)
                }
                let message =
                    item.error.map { "request failed: \($0)" }
                    ?? [item.detail ?? "below its mark", item.sample.map { "answer: \($0)" }]
                    .compactMap { $0 }.joined(separator: "\n")
                items.append(command("error", properties, message))
            }
        }
        out += items
        if more > 0 { out.append(command("notice", ["title": "rampart: \(more) more failing items"], "see the JUnit or JSON report")) }
        return out
    }

    /// `::name key=value,…::message`, escaped as the runner's toolkit escapes them.
    static func command(_ name: String, _ properties: [String: String], _ message: String) -> String {
        let order = ["file", "line", "title"]
        let props = order.compactMap { key in properties[key].map { "\(key)=\(escapeProperty($0))" } }.joined(separator: ",")
        return
            "::\(name)\(props.isEmpty ? "" : " " + props)::\(escapeData(message.split(separator: "\n", omittingEmptySubsequences: false).map { TerminalText.sanitize(String($0)) }.joined(separator: "\n")))"
    }

    static func escapeData(_ s: String) -> String {
        s.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D").replacingOccurrences(of: "\n", with: "%0A")
    }

    static func escapeProperty(_ s: String) -> String {
        escapeData(TerminalText.sanitize(s)).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }
}
