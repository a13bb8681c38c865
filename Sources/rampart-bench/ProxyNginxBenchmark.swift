import Foundation
import RampartNet

/// `rampart proxy` against nginx as a reverse proxy, both in front of the same upstream (a
/// third, separate nginx answering a fixed chat completion), loaded by `wrk` with 32 connections
/// in interleaved rounds. Reports each one's throughput, latency and CPU time per request (the
/// proxy processes' own, from /proc), and the ratio to nginx. Everything it writes goes to a
/// temporary directory.
func proxyNginxBenchmark(rounds: Int = 5, seconds duration: Int = 4) async throws {
    for tool in ["nginx", "wrk"] where (try? capture(["sh", "-c", "command -v \(tool)"]))?.isEmpty != false {
        throw BenchError("\(tool) is missing: apt-get install nginx-light wrk (make bench does)")
    }
    let rampart = try releaseRampart()
    let dir = NSTemporaryDirectory() + "rampart-bench-proxy-\(getpid())"
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let answer =
        #"{"choices":[{"message":{"role":"assistant","content":"Your order ships tomorrow."}}],"usage":{"prompt_tokens":42,"completion_tokens":7}}"#
    let upstreamPort = try freePort(), nginxPort = try freePort(), rampartPort = try freePort()
    let upstream = try startNginx(
        dir: dir + "/upstream", port: upstreamPort,
        location: "default_type application/json; return 200 '\(answer)';")
    defer { stop(upstream) }
    let nginx = try startNginx(
        dir: dir + "/proxy", port: nginxPort,
        location: "proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\";",
        upstreamBlock: "upstream up { server 127.0.0.1:\(upstreamPort); keepalive 64; }")
    defer { stop(nginx) }
    let proxy = try spawn(
        [
            rampart, "proxy", "--listen", "127.0.0.1:\(rampartPort)", "--baseline", "http://127.0.0.1:\(upstreamPort)",
            "--candidate", "http://127.0.0.1:\(upstreamPort)", "--weight", "20", "--report-every", "0",
        ], discardingOutput: true)
    defer { stop([proxy]) }
    for port in [upstreamPort, nginxPort, rampartPort] { try waitForPort(port) }
    let script = dir + "/post.lua"
    try """
    wrk.method = "POST"
    wrk.body = '{"model":"m","messages":[{"role":"user","content":"Where is my order?"}]}'
    wrk.headers["Content-Type"] = "application/json"
    """.write(toFile: script, atomically: true, encoding: .utf8)

    struct Round {
        var rate: Double, p50: Double, p99: Double, cpuPerRequest: Double, errors: Int
    }
    func load(_ port: Int, _ pids: [pid_t]) throws -> Round {
        let before = try pids.reduce(0) { $0 + (try cpuTicks($1)) }
        let out = try capture([
            "wrk", "-t2", "-c32", "-d\(duration)s", "--latency", "-s", script, "http://127.0.0.1:\(port)/v1/chat/completions",
        ])
        let after = try pids.reduce(0) { $0 + (try cpuTicks($1)) }
        let report = WrkReport(out)
        guard report.requests > 0 else { throw BenchError("wrk printed: \(out)") }
        let cpu = Double(after - before) / Double(sysconf(Int32(_SC_CLK_TCK)))
        return Round(rate: report.rate, p50: report.p50, p99: report.p99, cpuPerRequest: cpu / Double(report.requests), errors: report.errors)
    }
    let nginxWorkers = childProcesses(of: nginx[0]) + nginx
    let upstreamWorkers = childProcesses(of: upstream[0]) + upstream
    // Why the proxy has its own relay: Rampart's NIO server alone (SwiftNIO's HTTP/1.1 codec)
    // answering the same body, in this process; beside it, the upstream nginx doing the same job.
    let bare = try await HTTPServer.start(.tcp(host: "127.0.0.1", port: 0)) { _ in
        HTTPResponseMessage(status: 200, headers: [("Content-Type", "application/json")], body: Array(answer.utf8))
    }
    defer { Task { await bare.stop() } }
    let barePort = bare.port ?? 0
    _ = try load(nginxPort, nginxWorkers)
    _ = try load(rampartPort, [proxy])  // warm both up
    var ours: [Round] = [], theirs: [Round] = [], bareRounds: [Round] = [], upstreamRounds: [Round] = []
    for _ in 0..<rounds {
        theirs.append(try load(nginxPort, nginxWorkers))
        ours.append(try load(rampartPort, [proxy]))
        bareRounds.append(try load(barePort, [getpid()]))
        upstreamRounds.append(try load(upstreamPort, upstreamWorkers))
    }
    func med(_ rounds: [Round], _ key: KeyPath<Round, Double>) -> Double { median(rounds.map { $0[keyPath: key] }) }
    let ratio = med(ours, \.rate) / med(theirs, \.rate)
    print(
        "proxy vs nginx (reverse proxy, keepalive upstream), same nginx upstream, wrk 2 threads 32 connections, \(rounds) interleaved rounds of \(duration) s; medians:"
    )
    for (name, r) in [
        ("rampart proxy", ours), ("nginx proxy", theirs), ("NIO server", bareRounds), ("nginx server", upstreamRounds),
    ] {
        print(
            "  \(name.padding(toLength: 14, withPad: " ", startingAt: 0)) \(String(format: "%8.0f", med(r, \.rate))) req/s  p50 \(String(format: "%.3f", med(r, \.p50))) ms  p99 \(String(format: "%.3f", med(r, \.p99))) ms  CPU \(String(format: "%.0f", med(r, \.cpuPerRequest) * 1e6)) µs/request  non-2xx or errors \(r.map(\.errors).reduce(0, +))"
        )
    }
    print(
        "  (NIO server / nginx server: one HTTP leg each, no upstream. The proxy relays on epoll threads of its own; on SwiftNIO's stack, two such legs, it could not fall below about twice the NIO server's CPU per request)"
    )
    recordGoal("proxy throughput vs nginx (wrk, 32 conns)", measured: String(format: "%.2f×", ratio), goal: "≥ 0.8×", met: ratio >= 0.8)
    print("  throughput ratio \(String(format: "%.2f", ratio))×  goal ≥ 0.8×  \(ratio >= 0.8 ? "met" : "NOT MET")")
}

/// What `wrk --latency` printed: requests, rate, p50/p99 in ms, and errors (socket errors and
/// non-2xx answers).
struct WrkReport {
    var requests = 0, rate = 0.0, p50 = Double.nan, p99 = Double.nan, errors = 0

    init(_ text: String) {
        func ms(_ s: Substring) -> Double {
            let units: [(String, Double)] = [("us", 1e-3), ("ms", 1), ("s", 1e3)]
            for (u, f) in units where s.hasSuffix(u) { return (Double(s.dropLast(u.count)) ?? .nan) * f }
            return .nan
        }
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if f.first == "50%", f.count > 1 { p50 = ms(f[1]) }
            if f.first == "99%", f.count > 1 { p99 = ms(f[1]) }
            if f.first == "Requests/sec:", f.count > 1 { rate = Double(f[1]) ?? 0 }
            if f.count > 1, f[1] == "requests", let n = Int(f[0]) { requests = n }
            if f.first == "Non-2xx", let n = Int(f.last ?? "") { errors += n }
            // "Socket errors: connect 0, read 0, write 0, timeout 0"
            if f.first == "Socket" { errors += f.compactMap { Int($0.filter(\.isNumber)) }.reduce(0, +) }
        }
    }
}

/// An nginx of its own (prefix `dir`) listening on `port`; its master's and workers' pids.
func startNginx(dir: String, port: Int, location: String, upstreamBlock: String = "") throws -> [pid_t] {
    try FileManager.default.createDirectory(atPath: dir + "/logs", withIntermediateDirectories: true)
    let conf = """
        worker_processes auto;
        pid \(dir)/nginx.pid;
        error_log \(dir)/logs/error.log warn;
        events { worker_connections 1024; }
        http {
            access_log off;
            client_body_temp_path \(dir)/body; proxy_temp_path \(dir)/proxy; fastcgi_temp_path \(dir)/fastcgi;
            uwsgi_temp_path \(dir)/uwsgi; scgi_temp_path \(dir)/scgi;
            keepalive_requests 1000000;
            \(upstreamBlock)
            server { listen 127.0.0.1:\(port); location / { \(location) } }
        }
        """
    try conf.write(toFile: dir + "/nginx.conf", atomically: true, encoding: .utf8)
    let master = try spawn(["nginx", "-p", dir, "-c", dir + "/nginx.conf", "-g", "daemon off;"], discardingOutput: true)
    return [master]
}

func stop(_ pids: [pid_t]) {
    for pid in pids {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}

func childProcesses(of parent: pid_t) -> [pid_t] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { entry -> pid_t? in
        guard let pid = pid_t(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
            let close = stat.range(of: ")")
        else { return nil }
        let fields = stat[close.upperBound...].split(separator: " ")
        return fields.count > 1 && pid_t(fields[1]) == parent ? pid : nil
    }
}

/// A port the kernel has free now (bound to 0, then closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard ok else { throw BenchError("no free port") }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// Waits up to 30 s until something accepts connections on `port`.
func waitForPort(_ port: Int) throws {
    for _ in 0..<300 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        close(fd)
        if connected { return }
        usleep(100_000)
    }
    throw BenchError("nothing listens on port \(port)")
}
