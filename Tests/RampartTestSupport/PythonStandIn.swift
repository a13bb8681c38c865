import Foundation

/// Starts one of the loopback stand-ins in `Tests/RampartEngineTests/Fixtures` (a Python script
/// that prints its port, then serves, and answers `GET /stats` once ready) with the test
/// virtualenv's Python, whose botocore checks every request's signature.
enum PythonStandIn {
    static func launch(script: String, config: some Encodable, what: String) async throws -> (port: Int, pid: pid_t) {
        let python = ProcessInfo.processInfo.environment["RAMPART_MOTO_PYTHON"] ?? (TestPaths.repository + "/.build/moto-venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw MotoServer.MotoError(message: "the test virtualenv's Python (with botocore) was not found at \(python); `make test` installs it")
        }
        let dir = TestPaths.temporaryDirectory()
        try JSONEncoder().encode(config).write(to: URL(fileURLWithPath: dir + "/config.json"))
        let path = TestPaths.repository + "/Tests/RampartEngineTests/Fixtures/" + script
        let log = dir + "/standin.log"
        guard let pid = Daemons.spawn([python, path, dir + "/config.json"], log: log) else {
            throw MotoServer.MotoError(message: "cannot start \(what)")
        }
        // The deadline only bounds a failure (botocore imports slowly on a slow machine).
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), let line = text.split(separator: "\n").first, let port = Int(line) {
                if let r = await Daemons.get(port, "/stats"), r.status == 200 { return (port, pid) }
            }
            if kill(pid, 0) != 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(pid, SIGKILL)
        let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(800)) } ?? ""
        throw MotoServer.MotoError(message: "\(what) did not start:\n\(tail)")
    }

    /// A stand-in's `GET /stats` counters; empty when it does not answer.
    static func stats(port: Int) async -> [String: Int] {
        guard let r = await Daemons.get(port, "/stats"), let json = try? JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Int]
        else { return [:] }
        return json
    }

    static func stop(_ pid: pid_t) {
        kill(pid, SIGKILL)
        _ = Daemons.wait(pid)
    }
}
