import Foundation

/// The man page, rendered from the command tree ArgumentParser dumps
/// (`--experimental-dump-help`), so it can never disagree with `--help`: every command, its
/// arguments, options and defaults, then exit status, environment and files. Pure: dump in,
/// roff out.
enum ManualPage {
    /// The part of ArgumentParser's tool info (serialization version 0) a man page needs.
    struct ToolInfo: Decodable {
        var command: Command
    }

    struct Command: Decodable {
        var commandName: String
        var abstract: String?
        var discussion: String?
        var shouldDisplay: Bool?
        var arguments: [Argument]?
        var subcommands: [Command]?
    }

    struct Argument: Decodable {
        struct Name: Decodable {
            var kind: String
            var name: String
        }

        var kind: String
        var names: [Name]?
        var valueName: String?
        var abstract: String?
        var discussion: String?
        var defaultValue: String?
        var isOptional: Bool
        var isRepeating: Bool
        var shouldDisplay: Bool?
    }

    static func render(_ info: ToolInfo, version: String, date: String) -> String {
        let root = info.command
        var out = [
            #".TH RAMPART 1 "\#(date)" "rampart \#(version)" "User Commands""#,
            ".SH NAME",
            "rampart \\- " + escape(root.abstract ?? ""),
            ".SH SYNOPSIS",
            ".B rampart",
            ".I command",
            ".RI [ arguments ]",
            ".SH DESCRIPTION",
            escape(
                "Rampart takes a change to a GenAI app (prompt, app logic, guardrails, pinned model version) through build, gates "
                    + "scored with stated error rates, and a canary judged against the baseline, and promotes it or rolls it back. "
                    + "An operator watches and steers the canary in a terminal dashboard, or CI runs it headless."),
            ".SH COMMANDS",
        ]
        for command in root.subcommands ?? [] where command.shouldDisplay != false && command.commandName != "help" {
            out += section(command, path: ["rampart"])
        }
        out += [".SH EXIT STATUS"] + paragraphs(exitStatus(root.discussion ?? ""))
        out += [
            ".SH ENVIRONMENT",
            ".TP", ".B RAMPART_OPERATOR",
            "The operator name recorded with every command when \\fB\\-\\-operator\\fR is not given; then \\fBUSER\\fR.",
            ".TP", ".B NO_COLOR", "Set and not empty: the dashboard uses no colour (states stay readable by glyph and word).",
            ".TP", ".B COLORTERM", "\\fBtruecolor\\fR or \\fB24bit\\fR: the dashboard uses 24-bit colour.",
            ".TP", ".B AWS_REGION, AWS_PROFILE, AWS_ACCESS_KEY_ID, AWS_ENDPOINT_URL",
            "Credentials, region and endpoints for Bedrock, CloudWatch, Lambda, AppConfig and SNS, found in the order the AWS SDKs use.",
            ".TP", ".I api_key_env", "The variable a spec names for a model endpoint's key; its value never reaches a log or a run file.",
            ".SH FILES",
            ".TP", ".I .rampart/runs/", "Run files (JSON Lines): every event of a run, for \\fBrampart replay\\fR, \\fBrampart runs\\fR and audits.",
            ".TP", ".I .rampart/cache/responses.jsonl", "Gate responses keyed by provider, model version, prompt, item and repeat.",
            ".TP", ".I .rampart/engine.sock", "The control socket of a running engine (\\fBrampart status\\fR, \\fBpromote\\fR, \\fBrollback\\fR).",
            ".TP", ".I PREFIX/share/rampart/examples/", "The demo's spec, prompts and datasets, for \\fBrampart demo\\fR from any directory.",
            ".SH SEE ALSO",
            "The README in Rampart's source tree: the pipeline spec, the run file, the judges and their error rates.",
        ]
        return out.joined(separator: "\n") + "\n"
    }

    static func section(_ c: Command, path: [String]) -> [String] {
        let full = path + [c.commandName]
        let visible = (c.arguments ?? []).filter { $0.shouldDisplay != false }
        let positionals = visible.filter { $0.kind == "positional" }.map { a in
            let name = "\\fI" + escape((a.valueName ?? "arg").uppercased()) + "\\fR" + (a.isRepeating ? "..." : "")
            return a.isOptional ? "[\(name)]" : name
        }
        var out = [".SS \"" + escape(full.joined(separator: " ")) + (positionals.isEmpty ? "" : " " + positionals.joined(separator: " ")) + "\""]
        out += paragraphs(c.abstract ?? "")
        out += paragraphs(c.discussion ?? "")
        for a in visible {
            out.append(".TP")
            out.append(label(a))
            var text = a.abstract ?? ""
            if let d = a.discussion, !d.isEmpty { text += " " + d }
            if let v = a.defaultValue, !v.isEmpty, a.kind == "option" { text += " (default: \(v))" }
            out.append(escape(text))
        }
        for sub in c.subcommands ?? [] where sub.shouldDisplay != false && sub.commandName != "help" {
            out += section(sub, path: full)
        }
        return out
    }

    /// `\fB\-\-seed\fR \fIseed\fR`, or the positional's name.
    static func label(_ a: Argument) -> String {
        let value = "\\fI" + escape(a.valueName ?? "value") + "\\fR"
        guard let names = a.names, !names.isEmpty else { return value }
        let spelled = names.map { n in "\\fB" + (n.kind == "short" ? "\\-" : "\\-\\-") + escape(n.name) + "\\fR" }.joined(separator: ", ")
        return a.kind == "flag" ? spelled : spelled + " " + value
    }

    /// The root discussion's exit codes, one per line.
    static func exitStatus(_ discussion: String) -> String {
        guard let range = discussion.range(of: "Exit codes: ") else { return discussion }
        return discussion[range.upperBound...].split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .joined(separator: "\n\n")
    }

    /// Blank-line separated paragraphs as `.PP` blocks.
    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .flatMap { [".PP", escape($0.replacingOccurrences(of: "\n", with: " "))] }
    }

    /// Roff-safe text: backslashes and hyphens escaped, characters past ASCII as `\[uXXXX]`
    /// (roff reads bytes, and `man` is not the only reader), and no line may start with a
    /// control character (`.` or `'`), which roff would read as a request.
    static func escape(_ text: String) -> String {
        var body = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": body += "\\e"
            case "-": body += "\\-"
            case _ where scalar.value > 127: body += "\\[u" + String(format: "%04X", scalar.value) + "]"
            default: body.unicodeScalars.append(scalar)
            }
        }
        return body.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasPrefix(".") || line.hasPrefix("'") ? "\\&" + line : String(line)
        }.joined(separator: "\n")
    }
}
