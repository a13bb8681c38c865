import Foundation
import RampartEngine
import RampartNet
import Testing

/// Real servers from Debian packages (nginx, Prometheus), started on loopback for a test and
/// stopped after it. `make test` installs them; a test that cannot start one fails, loudly.
public enum Daemons {
    public static func binary(_ candidates: [String]) -> String? {
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static let nginx = binary(["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"])
    public static let prometheus = binary(["/usr/bin/prometheus", "/usr/local/bin/prometheus"])

    /// Starts a process with its output in `log` (or /dev/null), and nothing else of this
    /// process's: every other descriptor is closed in the child. A daemon that inherited them
    /// held copies of whatever the suite had open at that moment (a server's accepted sockets,
    /// which then never closed; another test's pipes to the binary, whose reader then never saw
    /// the end and hung the run).
    public static func spawn(_ args: [String], log: String? = nil) -> pid_t? {
        var pid = pid_t()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, log ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        guard let closeFrom = Self.addCloseFrom, closeFrom(&actions, 3) == 0 else { return nil }
        let argv = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        // A copy of the environment, not `environ`, which another test's setenv can move.
        let envp = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for e in envp { free(e) } }
        guard posix_spawn(&pid, args[0], &actions, nil, argv, envp) == 0 else { return nil }
        return pid
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later), which Swift's Glibc
    /// module does not export: looked up once by name.
    static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    public static func spawnAndWait(_ args: [String]) -> Int32 {
        guard let pid = spawn(args) else { return -1 }
        return wait(pid)
    }

    /// A port that was free a moment ago. Another test can take it before the daemon binds it,
    /// so callers retry a start that fails.
    public static func freePort() async throws -> Int {
        let probe = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in .plain(200, "") }
        let port = probe.port!
        await probe.stop()
        return port
    }

    /// GET over loopback; nil when nothing answers.
    public static func get(_ port: Int, _ path: String) async -> HTTPResponseMessage? {
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        return try? await pool.send(HTTPRequestMessage(method: "GET", uri: path), timeout: 30)
    }
}

/// A Prometheus scraping `targets` every second, with its data in a temporary directory.
public final class PrometheusDaemon {
    public let port: Int
    public let pid: pid_t
    public let dir: String
    public var url: String { "http://127.0.0.1:\(port)" }

    private init(port: Int, pid: pid_t, dir: String) {
        self.port = port
        self.pid = pid
        self.dir = dir
    }

    public static func start(scraping targets: [String]) async throws -> PrometheusDaemon {
        let binary = try #require(Daemons.prometheus, "prometheus is not installed; `make test` installs it (Debian package prometheus)")
        let dir = TestPaths.temporaryDirectory()
        let list = targets.map { "\"\($0)\"" }.joined(separator: ", ")
        try """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: rampart
            static_configs:
              - targets: [\(list)]
        """.write(toFile: dir + "/prometheus.yml", atomically: true, encoding: .utf8)
        for _ in 0..<5 {
            let port = try await Daemons.freePort()
            guard
                let pid = Daemons.spawn(
                    [
                        binary, "--config.file=\(dir)/prometheus.yml", "--storage.tsdb.path=\(dir)/data",
                        "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
                    ], log: dir + "/prometheus.log")
            else { continue }
            var reaped = false
            let deadline = Date().addingTimeInterval(120)  // bounds a failure only
            while Date() < deadline {
                // The body names Prometheus: another test's server may have taken the port
                // between the probe and Prometheus's bind, and would answer 200 too.
                if let r = await Daemons.get(port, "/-/ready"), r.status == 200, String(decoding: r.body, as: UTF8.self).contains("Prometheus") {
                    return PrometheusDaemon(port: port, pid: pid, dir: dir)
                }
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { reaped = true; break }  // exited: the port was taken, try another
                try await Task.sleep(for: .milliseconds(100))
            }
            // Never signal a pid already reaped: the number may belong to another process by now.
            if !reaped {
                kill(pid, SIGKILL)
                _ = Daemons.wait(pid)
            }
        }
        let log = (try? String(contentsOfFile: dir + "/prometheus.log", encoding: .utf8)) ?? ""
        Issue.record("prometheus did not become ready; its log:\n\(log.suffix(2000))")
        throw CancellationError()
    }

    /// Waits until Prometheus holds at least `n` samples of `metric` for every target, so a
    /// delta since "before" has a sample before to start from.
    public func waitForScrapes(of metric: String, atLeast n: Int = 2, timeout: Double = 120) async throws {
        let client = PrometheusClient(baseURL: url, timeout: 60, token: nil)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let count = try? await client.instant("min(count_over_time(\(metric)[1m]))").first, count >= Double(n) { return }
            try await Task.sleep(for: .milliseconds(250))
        }
        Issue.record("prometheus did not scrape \(metric) \(n) times within \(timeout) s")
    }

    public func stop() {
        kill(pid, SIGTERM)
        _ = Daemons.wait(pid)
    }
}

/// An nginx with its own prefix, config and pid file, listening on a free loopback port.
public final class NginxDaemon {
    public let port: Int
    public let dir: String
    public let binary: String
    public var control: String { "\(binary) -p \(dir) -c \(dir)/nginx.conf" }

    private init(port: Int, dir: String, binary: String) {
        self.port = port
        self.dir = dir
        self.binary = binary
    }

    /// `upstream` is the text of `upstream.conf` nginx starts with; `proxyTo` the upstream's name.
    public static func start(upstream: String, proxyTo name: String) async throws -> NginxDaemon {
        let binary = try #require(Daemons.nginx, "nginx is not installed; `make test` installs it (Debian package nginx-light)")
        let dir = TestPaths.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/tmp", withIntermediateDirectories: true)
        try upstream.write(toFile: dir + "/upstream.conf", atomically: true, encoding: .utf8)
        var started: Int32 = -1
        for _ in 0..<5 {
            let port = try await Daemons.freePort()
            try config(dir: dir, port: port, upstream: name).write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
            started = Daemons.spawnAndWait([binary, "-p", dir, "-c", dir + "/nginx.conf"])
            if started == 0 { return NginxDaemon(port: port, dir: dir, binary: binary) }
        }
        let log = (try? String(contentsOfFile: dir + "/error.log", encoding: .utf8)) ?? ""
        Issue.record("nginx did not start (status \(started)); its error log:\n\(log.suffix(2000))")
        throw CancellationError()
    }

    public static func config(dir: String, port: Int, upstream: String) -> String {
        """
        worker_processes 1;
        pid \(dir)/nginx.pid;
        error_log \(dir)/error.log;
        events { worker_connections 512; }
        http {
            access_log off;
            client_body_temp_path \(dir)/tmp; proxy_temp_path \(dir)/tmp; fastcgi_temp_path \(dir)/tmp;
            uwsgi_temp_path \(dir)/tmp; scgi_temp_path \(dir)/tmp;
            include \(dir)/upstream.conf;
            server {
                listen 127.0.0.1:\(port);
                location / { proxy_pass http://\(upstream); proxy_http_version 1.1; proxy_set_header Connection ""; }
            }
        }
        """
    }

    public func stop() {
        _ = Daemons.spawnAndWait([binary, "-p", dir, "-c", dir + "/nginx.conf", "-s", "quit"])
    }
}
