import Foundation
import Testing

@testable import RampartEngine

/// User commands (build steps, command routers, hooks) as the runner meets them: noisy, failing,
/// hanging, leaving children behind.
struct ShellRunnerTests {
    let directory = FileManager.default.temporaryDirectory.path

    @Test func combinedOutputExitCodeAndEnvironmentReachTheResult() async {
        let r = await ShellRunner.run(
            "echo out; echo err >&2; echo \"v=$RAMPART_X\"; pwd; exit 3", directory: directory, timeout: 60, environment: ["RAMPART_X": "a b"])
        #expect(r.exitCode == 3)
        #expect(!r.timedOut)
        #expect(r.tail.prefix(3) == ["out", "err", "v=a b"])
        let real = { (path: String) in URL(fileURLWithPath: path).resolvingSymlinksInPath().path }
        #expect(r.tail.last.map(real) == real(directory), "the command ran in the directory given")
    }

    @Test func aFloodKeepsOnlyItsLastLines() async {
        // About 15 MB of output: only the last lines are kept, and the run still ends normally.
        let r = await ShellRunner.run("seq 1 2000000; echo done", directory: directory, timeout: 600, keepLines: 3)
        #expect(r.exitCode == 0)
        #expect(r.tail == ["1999999", "2000000", "done"])
    }

    @Test func aTimeoutReachesChildrenThatHoldTheOutputOpen() async {
        // The background sleep inherits the pipe: without signalling the whole group the runner
        // would wait for it long after the shell was killed.
        let r = await ShellRunner.run("echo started; sleep 300 & sleep 300", directory: directory, timeout: 10)
        #expect(r.timedOut)
        // TERM first; KILL two seconds later if the shell is still there (on a loaded machine
        // it may not have been scheduled in between): either way it was stopped at its deadline.
        #expect(r.exitCode == 128 + SIGTERM || r.exitCode == 128 + SIGKILL, "\(r.exitCode)")
        #expect(r.tail == ["started"])
        #expect(r.duration < 200, "the runner returned only when the 300 s children ended: \(r.duration) s")
    }

    @Test func aShellKilledByASignalReportsIt() async {
        let r = await ShellRunner.run("kill -KILL $$", directory: directory, timeout: 60)
        #expect(r.exitCode == 128 + SIGKILL)
        #expect(!r.timedOut)
    }

    @Test func aMissingDirectoryIsAnErrorThatNamesIt() async {
        let r = await ShellRunner.run("true", directory: "/nonexistent/rampart-dir", timeout: 60)
        #expect(r.exitCode == 127)
        #expect(r.tail.first?.contains("/nonexistent/rampart-dir") == true, "\(r.tail)")
    }

    @Test func outputTailHoldsTheLastBytes() {
        var tail = OutputTail(limit: 4)
        for chunk in ["ab", "cdef", "ghijklmnop", "q"] { Array(chunk.utf8).withUnsafeBytes { tail.append($0) } }
        #expect(String(decoding: tail.bytes.suffix(4), as: UTF8.self) == "nopq")
        #expect(tail.bytes.count <= 8)
    }
}

extension ShellRunnerTests {
    @Test func aChildLeftHoldingTheOutputIsStoppedAtTheDeadline() async {
        // The shell exits at once and in time; its background child keeps the pipe open.
        let r = await ShellRunner.run("echo bye; sleep 300 &", directory: directory, timeout: 10)
        #expect(r.exitCode == 0 && !r.timedOut, "the shell itself finished within its time")
        #expect(r.tail == ["bye"])
        #expect(r.duration < 200, "the runner waited for the 300 s child: \(r.duration) s")
    }
}
