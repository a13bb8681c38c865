import ArgumentParser
import Foundation
import RampartCore

/// `rampart init`: a starting point in the current folder, made from the demo (whose spec is
/// commented field by field): the spec as `rampart.yaml`, its prompts, datasets and guardrails.
/// It runs as is on the simulator; the comments say what to change for a real endpoint.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter spec (rampart.yaml), prompts, datasets and guardrails into a folder.",
        discussion: """
            The files are the demo's: a support bot on the embedded simulator, with every field \
            commented. `rampart validate rampart.yaml` and `rampart run rampart.yaml` work at once; \
            point baseline and candidate at your own endpoints (provider: openai) when ready. \
            Existing files are never overwritten unless --force is given.
            """)

    @Argument(help: "The folder to write into (created if missing).")
    var directory: String = "."

    @Flag(help: "Overwrite files that already exist.")
    var force = false

    /// What is written, relative to the demo's folder, and where it goes.
    static func files(in examples: String) -> [(from: String, to: String)] {
        var out = [(examples + "/demo.yaml", "rampart.yaml")]
        for folder in ["prompts", "datasets", "guardrails"] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: examples + "/" + folder)) ?? []
            for name in names.sorted() where !name.hasPrefix(".") {
                out.append((examples + "/" + folder + "/" + name, folder + "/" + name))
            }
        }
        return out
    }

    func run() throws {
        guard let demo = DemoLocator.find() else {
            Console.error("error: cannot find the demo to copy from; `make install` puts it beside the binary")
            throw Exit.invalidInput
        }
        let examples = (demo as NSString).deletingLastPathComponent
        let fm = FileManager.default
        let plan = Self.files(in: examples.isEmpty ? "." : examples)
        let existing = plan.map { directory + "/" + $0.to }.filter { fm.fileExists(atPath: $0) }
        guard force || existing.isEmpty else {
            Console.error("error: \(existing.joined(separator: ", ")) already exist; nothing was written (--force overwrites)")
            throw Exit.usage
        }
        do {
            for (from, to) in plan {
                let target = directory + "/" + to
                try fm.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                if fm.fileExists(atPath: target) { try fm.removeItem(atPath: target) }
                try fm.copyItem(atPath: from, toPath: target)
            }
        } catch {
            Console.error("error: cannot write into \(directory): \(error.localizedDescription)")
            throw Exit.cannotWrite
        }
        let spec = directory == "." ? "rampart.yaml" : directory + "/rampart.yaml"
        print("wrote \(plan.count) files into \(directory == "." ? "the current folder" : directory):")
        for (_, to) in plan { print("  \(to)") }
        print("next: rampart validate \(spec) && rampart run \(spec)")
    }
}
