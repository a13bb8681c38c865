import Foundation
import RampartTestSupport
import Testing

/// A daemon the tests start holds nothing of the test process: a copy of a server's accepted
/// socket kept it from ever closing (three idle-connection tests waited 60 s for a close), and a
/// copy of another test's pipe to the binary hung the whole run.
struct DaemonSpawnTests {
    @Test func aDaemonInheritsOnlyItsStandardStreams() throws {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socketFD) }
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        defer { for fd in ends { close(fd) } }
        let pid = try #require(Daemons.spawn(["/bin/sleep", "30"]))
        defer {
            kill(pid, SIGKILL)
            _ = Daemons.wait(pid)
        }
        // The dynamic loader briefly holds each library it maps (as fd 3 on a slow machine), so a
        // look at the wrong moment sees it; an inherited descriptor never goes away. Read until
        // the table is the standard three, for up to a minute.
        let deadline = Date().addingTimeInterval(60)
        var fds: [Int32] = []
        repeat {
            fds = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").compactMap(Int32.init).sorted()
            if fds == [0, 1, 2] { break }
            usleep(50_000)
        } while Date() < deadline
        #expect(fds == [0, 1, 2], "the daemon holds \(fds); the test process had \(socketFD), \(ends)")
    }
}
