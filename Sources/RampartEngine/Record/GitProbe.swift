import Foundation
import RampartCore
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// The commit and dirty flag of the spec's work tree, for the audit record; nil outside git
/// (or without git installed: the record says nothing rather than something wrong).
enum GitProbe {
    static func info(directory: String) async -> GitInfo? {
        guard let commit = await git(["rev-parse", "HEAD"], in: directory)?.trimmingCharacters(in: .whitespacesAndNewlines), !commit.isEmpty
        else { return nil }
        // A status that cannot be read (or is too long to keep) is not evidence of a clean tree.
        let status = await git(["status", "--porcelain"], in: directory)
        return GitInfo(commit: commit, dirty: status.map { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } ?? true)
    }

    /// Standard output of a successful git command; nil when git is missing, fails or prints
    /// more than a megabyte.
    private static func git(_ args: [String], in directory: String) async -> String? {
        guard
            let result = try? await run(
                .name("git"), arguments: Arguments(["-C", directory] + args), workingDirectory: FilePath(directory), output: .string(limit: 1 << 20),
                error: .discarded),
            result.terminationStatus.isSuccess
        else { return nil }
        return result.standardOutput
    }
}
