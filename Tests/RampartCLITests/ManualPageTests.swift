import Foundation
import Testing

@testable import rampart

/// The man page `make install` installs: rendered from the command tree, so every command and
/// option `--help` knows is in it, and valid roff (groff, installed by `make test`, warns of nothing).
struct ManualPageTests {
    @Test func theManPageIsCompleteAndCleanRoff() async throws {
        let page = try await CLI.run(["manual"])
        #expect(page.status == 0)
        let roff = page.stdout
        #expect(roff.hasPrefix(".TH RAMPART 1 "))
        for command in [
            "run", "validate", "demo", "eval", "score", "proxy", "status", "promote", "rollback", "pause", "resume", "simulate", "runs", "replay",
            "recover", "init",
        ] {
            #expect(roff.contains(".SS \"rampart \(command)"), "no section for \(command)")
        }
        for option in ["\\fB\\-\\-no\\-mouse\\fR", "\\fB\\-\\-annotations\\fR", "\\fB\\-\\-speed\\fR \\fIspeed\\fR"] {
            #expect(roff.contains(option), "no \(option)")
        }
        #expect(roff.contains(".SH EXIT STATUS") && roff.contains("69 a needed service is unavailable"))
        #expect(!roff.unicodeScalars.contains { $0.value > 127 }, "non-ASCII goes in as \\[uXXXX]")
        // groff's own check: -ww turns on every warning, -z formats without output.
        let dir = CLI.temporaryDirectory()
        try roff.write(toFile: dir + "/rampart.1", atomically: true, encoding: .utf8)
        let groff = Process()
        groff.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        groff.arguments = ["groff", "-man", "-Tutf8", "-ww", "-z", dir + "/rampart.1"]
        let errors = Pipe()
        groff.standardError = errors
        try groff.run()
        let warnings = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        groff.waitUntilExit()
        #expect(groff.terminationStatus == 0, "groff is required (make test installs groff-base)")
        #expect(warnings.isEmpty, "\(warnings)")
        // Hidden from everyday help.
        let help = try await CLI.run(["--help"])
        #expect(!help.stdout.contains("manual"))
    }

    @Test func textCannotBecomeARoffRequest() {
        #expect(ManualPage.escape(".SH oops\n'x\\y — a-b") == "\\&.SH oops\n\\&'x\\ey \\[u2014] a\\-b")
    }
}
