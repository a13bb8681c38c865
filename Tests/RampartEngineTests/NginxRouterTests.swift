import Foundation
import RampartCore
@testable import RampartEngine
import RampartNet
import Testing

/// The nginx router against a real nginx on loopback (installed by `make test`): it renders the
/// upstream block, nginx checks and reloads it, and traffic through nginx follows the weight.
@Suite(.serialized) struct NginxRouterTests {
    static let binary = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func spawnAndWait(_ args: [String]) -> Int32 {
        var pid = pid_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        guard posix_spawn(&pid, args[0], &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    static func config(dir: String, port: Int) -> String {
        """
        worker_processes 1;
        pid \(dir)/nginx.pid;
        error_log \(dir)/error.log;
        events { worker_connections 256; }
        http {
            access_log off;
            client_body_temp_path \(dir)/tmp; proxy_temp_path \(dir)/tmp; fastcgi_temp_path \(dir)/tmp;
            uwsgi_temp_path \(dir)/tmp; scgi_temp_path \(dir)/tmp;
            include \(dir)/upstream.conf;
            server {
                listen 127.0.0.1:\(port);
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
            }
        }
        """
    }

    @Test func weightsAreExactIntegersAndZeroIsDown() {
        #expect(NginxRouter.weights(20) == (4, 1))
        #expect(NginxRouter.weights(12.5) == (7, 1))
        #expect(NginxRouter.weights(0) == (1, 0))
        #expect(NginxRouter.weights(100) == (0, 1))
        let text = NginxRouter.render(upstream: "app", baseline: "10.0.0.5:8000", candidate: "10.0.0.6:8000", percent: 0, at: "now")
        #expect(text.contains("server 10.0.0.6:8000 down;"))
        #expect(text.contains("server 10.0.0.5:8000 weight=1;"))
    }

    @Test func aRealNginxSplitsTrafficByTheRoutersWeight() async throws {
        let nginx = try #require(Self.binary, "nginx is not installed; `make test` installs it (Debian package nginx-light)")
        let b = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "baseline") }
        let c = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "candidate") }
        let dir = Paths.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        let ctl = "\(nginx) -p \(dir) -c \(dir)/nginx.conf"
        let router = NginxRouter(
            path: dir + "/upstream.conf", upstream: "app", baseline: "127.0.0.1:\(b.port!)", candidate: "127.0.0.1:\(c.port!)",
            test: "\(ctl) -t", reload: "\(ctl) -s reload", directory: dir, timeout: 10)
        try NginxRouter.render(upstream: "app", baseline: "127.0.0.1:\(b.port!)", candidate: "127.0.0.1:\(c.port!)", percent: 0, at: "start")
            .write(toFile: dir + "/upstream.conf", atomically: true, encoding: .utf8)
        // A free port, found by binding 0 and letting go, can be taken by a parallel test before
        // nginx binds it: try a few.
        var port = 0
        var started: Int32 = -1
        for _ in 0..<5 where started != 0 {
            let probe = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "") }
            port = probe.port!
            await probe.stop()
            try Self.config(dir: dir, port: port).write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
            // nginx daemonizes and keeps inherited descriptors, so it is started with posix_spawn
            // and /dev/null for its output rather than through a pipe that would never close.
            started = Self.spawnAndWait([nginx, "-p", dir, "-c", dir + "/nginx.conf"])
        }
        try #require(started == 0, "nginx did not start (status \(started)); see \(dir)/error.log")
        defer { _ = Self.spawnAndWait([nginx, "-p", dir, "-c", dir + "/nginx.conf", "-s", "quit"]) }

        func split(_ n: Int) async throws -> Int {
            // New connections after a reload, so no keep-alive connection to an old worker.
            let pool = HTTPClientPool(host: "127.0.0.1", port: port)
            defer { pool.shutdown() }
            var candidate = 0
            for _ in 0..<n {
                let r = try await pool.send(HTTPRequestMessage(method: "GET", uri: "/"), timeout: 5)
                if r.text == "candidate" { candidate += 1 }
            }
            return candidate
        }
        #expect(try await split(50) == 0)
        try await router.setWeight(20)
        try await Task.sleep(for: .milliseconds(500))
        // Smooth weighted round robin with weights 4:1 and one worker: exactly one in five.
        let at20 = try await split(500)
        #expect((95...105).contains(at20), "candidate served \(at20) of 500 at 20%")
        try await router.setWeight(100)
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await split(50) == 50)

        // A config nginx rejects is rolled back on disk before the error is raised.
        let before = try String(contentsOfFile: dir + "/upstream.conf", encoding: .utf8)
        let broken = NginxRouter(
            path: dir + "/upstream.conf", upstream: "app", baseline: "127.0.0.1:\(b.port!)", candidate: "127.0.0.1:notaport",
            test: "\(ctl) -t", reload: "\(ctl) -s reload", directory: dir, timeout: 10)
        await #expect { try await broken.setWeight(50) } throws: { "\($0)".contains("rejected the config") }
        #expect(try String(contentsOfFile: dir + "/upstream.conf", encoding: .utf8) == before)
        #expect(try await split(20) == 20, "nginx still serves the last good config")
    }
}
