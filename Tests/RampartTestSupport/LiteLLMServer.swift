import Foundation

/// The server's pid, for the exit hook: a static's deinit never runs when the test process ends.
nonisolated(unsafe) var liteLLMPID: pid_t = 0

/// LiteLLM's proxy from PyPI (installed by `make test` in .build/litellm-venv), started once on a
/// free loopback port with mocked models: a real OpenAI-compatible server, offline.
public final class LiteLLMServer: Sendable {
    public static let keyVariable = "RAMPART_TEST_LITELLM_KEY"
    public static let key = "sk-rampart-test-master"
    /// The environment a client or a run is given to reach this server with its key.
    public static var environment: [String: String] { [keyVariable: key] }
    public let baseURL: URL
    let process: Process
    let logPath: String

    /// The end of the server's log, and whether it still runs: what a failing test shows.
    public var diagnosis: String {
        let log = (try? String(contentsOfFile: logPath, encoding: .utf8)).map { String($0.suffix(1500)) } ?? "(no log)"
        return "LiteLLM \(process.isRunning ? "running" : "exited \(process.terminationStatus)"); log tail:\n\(log)"
    }

    /// The shared server, started on first use. Starting takes seconds and waits on the
    /// process: it runs on a dispatch thread, never on one of the cooperative pool's two threads
    /// (blocking those stalled every async test beside it on this 2-core machine).
    public static func running() async throws -> LiteLLMServer {
        try await OwnThread.run { try shared.get() }
    }

    static let shared: Result<LiteLLMServer, LiteLLMError> = {
        do { return .success(try LiteLLMServer()) } catch let e as LiteLLMError { return .failure(e) } catch {
            return .failure(LiteLLMError(message: "\(error)"))
        }
    }()

    public struct LiteLLMError: Error, CustomStringConvertible { var message: String; public var description: String { message } }

    init() throws {
        let binary = ProcessInfo.processInfo.environment["RAMPART_LITELLM"] ?? (TestPaths.repository + "/.build/litellm-venv/bin/litellm")
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw LiteLLMError(message: "LiteLLM is required for these tests and was not found at \(binary); `make test` installs it")
        }
        let dir = TestPaths.temporaryDirectory()
        let config = """
            model_list:
              - model_name: judge-good
                litellm_params: { model: openai/judge-good, api_key: sk-upstream-unused, mock_response: '{"score": 0.9, "reason": "Accurate and courteous."}' }
              - model_name: judge-fenced
                litellm_params: { model: openai/judge-fenced, api_key: sk-upstream-unused, mock_response: "Here is my grade:\\n```json\\n{\\"score\\": 0.4, \\"reason\\": \\"Misses the refund window.\\"}\\n```" }
              - model_name: judge-garbled
                litellm_params: { model: openai/judge-garbled, api_key: sk-upstream-unused, mock_response: 'I would give this about four stars.' }
              - model_name: judge-five-point
                litellm_params: { model: openai/judge-five-point, api_key: sk-upstream-unused, mock_response: '{"score": 4, "reason": "good"}' }
              - model_name: embed
                litellm_params: { model: openai/text-embedding-3-small, api_key: sk-upstream-unused, mock_response: [0.1, 0.2, 0.3] }
              - model_name: support-bot-2025-09-14
                litellm_params: { model: openai/support-bot, api_key: sk-upstream-unused, mock_response: "You can return an item within 30 days of delivery for a full refund." }
              - model_name: rate-limited
                litellm_params: { model: openai/rate-limited, api_key: sk-upstream-unused, mock_response: "litellm.RateLimitError" }
              - model_name: broken
                litellm_params: { model: openai/broken, api_key: sk-upstream-unused, mock_response: "litellm.InternalServerError" }
              - model_name: support-bot-2025-06-01
                litellm_params: { model: openai/support-bot-old, api_key: sk-upstream-unused, mock_response: "Returns are accepted within 30 days of delivery." }
              - model_name: slow
                litellm_params: { model: openai/slow, api_key: sk-upstream-unused, mock_response: "Too late.", mock_delay: 3 }
            general_settings:
              # A gateway that checks keys itself: a wrong or missing key is a 401, as on OpenAI.
              custom_auth: rampart_auth.user_api_key_auth
            """
        try config.write(toFile: dir + "/config.yaml", atomically: true, encoding: .utf8)
        let auth = """
            from litellm.proxy._types import UserAPIKeyAuth

            async def user_api_key_auth(request, api_key: str) -> UserAPIKeyAuth:
                if api_key == "\(Self.key)":
                    return UserAPIKeyAuth(api_key=api_key)
                raise Exception("invalid API key")
            """
        try auth.write(toFile: dir + "/rampart_auth.py", atomically: true, encoding: .utf8)
        let port = try Self.freePort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["--config", dir + "/config.yaml", "--host", "127.0.0.1", "--port", String(port), "--num_workers", "1"]
        var env = ProcessInfo.processInfo.environment
        env["LITELLM_MASTER_KEY"] = Self.key
        env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
        env["LITELLM_TELEMETRY"] = "False"
        env["HF_HUB_OFFLINE"] = "1"
        env["PYTHONPATH"] = dir
        p.environment = env
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        _ = FileManager.default.createFile(atPath: dir + "/proxy.log", contents: nil)
        p.standardError = FileHandle(forWritingAtPath: dir + "/proxy.log")
        try p.run()
        process = p
        logPath = dir + "/proxy.log"
        liteLLMPID = p.processIdentifier
        atexit {
            // SIGKILL: the proxy ignores SIGTERM while uvicorn drains, and it holds nothing worth saving.
            if liteLLMPID > 0 { kill(liteLLMPID, SIGKILL) }
        }
        baseURL = URL(string: "http://127.0.0.1:\(port)/v1")!
        setenv(Self.keyVariable, Self.key, 1)
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            if Self.alive(port) { return }
            guard p.isRunning else { break }
            usleep(250_000)
        }
        p.terminate()
        let log = (try? String(contentsOfFile: dir + "/proxy.log", encoding: .utf8)).map { String($0.suffix(800)) } ?? ""
        throw LiteLLMError(message: "LiteLLM did not start on 127.0.0.1:\(port):\n\(log)")
    }

    deinit { process.terminate() }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    static func alive(_ port: Int) -> Bool {
        guard let fd = LoopbackSocket.connect(port: port) else { return false }
        defer { close(fd) }
        let request = "GET /health/liveliness HTTP/1.0\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        // Bounds a server that never closes; a slow LiteLLM is asked again by the caller's loop.
        var wait = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        var n = 0
        while n < buffer.count {  // HTTP/1.0: the server closes after the answer
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + n, $0.count - n, 0) }
            if got <= 0 { break }
            n += got
        }
        // LiteLLM's own answer, not only a 200: another test's server may have taken the port
        // between the probe and LiteLLM's bind.
        let answer = String(decoding: buffer[0..<max(0, n)], as: UTF8.self)
        return n > 0 && answer.contains(" 200") && answer.contains("alive")
    }
}
