import ArgumentParser
import Foundation

/// `rampart manual`: the man page `make install` puts in share/man/man1, rendered from the same
/// command tree as `--help`. Hidden: it is for packagers, not an everyday command.
struct ManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual", abstract: "Print the man page (roff) for rampart(1).", shouldDisplay: false)

    func run() throws {
        // ArgumentParser dumps the tree only from the command line, so ask this very binary.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        p.arguments = ["--experimental-dump-help"]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0, let info = try? JSONDecoder().decode(ManualPage.ToolInfo.self, from: data) else {
            Console.error("error: could not read this binary's command tree (--experimental-dump-help)")
            throw ExitCode(70)
        }
        print(ManualPage.render(info, version: Rampart.version, date: Self.buildDate), terminator: "")
    }

    /// The page's date: the binary's modification day, so a rebuild dates it and two renders
    /// of one binary agree.
    static var buildDate: String {
        let path = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let date = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? Date(timeIntervalSince1970: 0)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: date)
    }
}
