import Foundation
import RampartAWS
import RampartNet
import Synchronization

/// The servers' pids, for the exit hook.
let motoPIDs = Mutex<[pid_t]>([])

/// moto's server from PyPI (installed by `make test` in .build/moto-venv), started once per test
/// process on a loopback port **with signature checking on**: its first three actions are free
/// and make an IAM user with a policy allowing everything and an access key; every request
/// after that must be signed with that key, as on AWS. It runs through
/// `moto_server_percentiles.py`, which adds the CloudWatch percentile statistics moto lacks.
public final class MotoServer: Sendable {
    public let endpoint: String
    public let port: Int
    /// The IAM user's key, made on this server.
    public let credentials: AWSCredentials
    /// A role the user (and any web identity) may assume, with the same permissions.
    public let roleARN: String
    public let region = "eu-west-1"
    let logPath: String

    public static func running() async throws -> MotoServer {
        if let ready = await Holder.signed.server { return ready }
        return try await Holder.signed.start()
    }

    /// A second server with signature checking off, for what moto 5.2.1 cannot check: it
    /// refuses a correctly signed request without a body (Lambda's `GetAlias`, AppConfig reads)
    /// while checking is on. Requests to it are still signed, as Rampart always signs.
    public static func unchecked() async throws -> MotoServer {
        if let ready = await Holder.unsigned.server { return ready }
        return try await Holder.unsigned.start()
    }

    /// A signature-checking server of the caller's own, for a test that changes its
    /// authentication state (`allowUnsigned`): on the shared server another test's request can
    /// take the one unsigned pass, and the unsigned request is then refused (a 500 from moto).
    public static func ownChecked() async throws -> MotoServer { try await launch(checked: true) }

    /// One start at a time; every test then shares the server. The start is a task of the
    /// holder's, so a caller arriving while it runs awaits the same one (an actor method that
    /// awaits is re-entered: checking a stored server alone would launch a second one).
    actor Holder {
        static let signed = Holder(checked: true)
        static let unsigned = Holder(checked: false)
        let checked: Bool
        var starting: Task<MotoServer, any Error>?
        var server: MotoServer?

        init(checked: Bool) { self.checked = checked }

        func start() async throws -> MotoServer {
            if let server { return server }
            let task = starting ?? Task { [checked] in try await MotoServer.launch(checked: checked) }
            starting = task
            let s = try await task.value
            server = s
            return s
        }
    }

    public struct MotoError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    private init(port: Int, credentials: AWSCredentials, roleARN: String, logPath: String) {
        self.port = port
        endpoint = "http://127.0.0.1:\(port)"
        self.credentials = credentials
        self.roleARN = roleARN
        self.logPath = logPath
    }

    public var diagnosis: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)).map { "moto log tail:\n" + String($0.suffix(1500)) } ?? "(no moto log)"
    }

    static func launch(checked: Bool) async throws -> MotoServer {
        // moto's server with CloudWatch percentiles added (moto_server_percentiles.py says how).
        let python = ProcessInfo.processInfo.environment["RAMPART_MOTO_PYTHON"] ?? (TestPaths.repository + "/.build/moto-venv/bin/python")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw MotoError(message: "moto is required for these tests and its virtualenv was not found at \(python); `make test` installs it")
        }
        let script = TestPaths.repository + "/Tests/RampartEngineTests/Fixtures/moto_server_percentiles.py"
        let dir = TestPaths.temporaryDirectory()
        let log = dir + "/moto.log"
        // moto binds a port the kernel picks and writes it down: a port found free beforehand
        // could be taken by another test's server while Python imports moto, and that server
        // would then answer the readiness probe and the bootstrap (CI saw "baseline" come back).
        let portFile = dir + "/moto.port"
        let argv = (checked ? ["/usr/bin/env", "INITIAL_NO_AUTH_ACTION_COUNT=3"] : []) + [python, script, "--port-file", portFile]
        guard let pid = Daemons.spawn(argv, log: log) else {
            throw MotoError(message: "cannot start moto with \(python)")
        }
        motoPIDs.withLock { pids in
            if pids.isEmpty { atexit { for pid in motoPIDs.withLock({ $0 }) { kill(pid, SIGKILL) } } }
            pids.append(pid)
        }
        // Readiness: the port file appears once the socket listens; moto's own API then
        // answers with moto's state (it is not an action). The deadline only bounds a failure
        // (a slow machine imports moto slowly).
        let deadline = Date().addingTimeInterval(300)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: portFile, encoding: .utf8), let port = Int(text),
                let r = await Daemons.get(port, "/moto-api/data.json"), r.status == 200, isMotoState(r.body)
            {
                return try await bootstrap(port: port, log: log)
            }
            if kill(pid, 0) != 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        kill(pid, SIGKILL)
        let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(800)) } ?? ""
        throw MotoError(message: "moto did not start:\n\(tail)")
    }

    /// moto's `/moto-api/data.json` is a JSON object of its services' state.
    static func isMotoState(_ body: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any]
    }

    /// The three free actions: an IAM user, its policy, its key; then a role, with that key.
    static func bootstrap(port: Int, log: String) async throws -> MotoServer {
        let endpoint = "http://127.0.0.1:\(port)"
        let anyone = AWSCredentialProvider(credentials: AWSCredentials(accessKeyID: "AKIABOOTSTRAP", secretAccessKey: "bootstrap"))
        let iam = AWSClient(service: .iam, region: "us-east-1", endpoint: endpoint, credentials: anyone)
        let everything = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
        _ = try await iam.query("CreateUser", version: "2010-05-08", [("UserName", "rampart")])
        _ = try await iam.query(
            "PutUserPolicy", version: "2010-05-08", [("UserName", "rampart"), ("PolicyName", "all"), ("PolicyDocument", everything)])
        let key = try await iam.query("CreateAccessKey", version: "2010-05-08", [("UserName", "rampart")])
        guard let id = key.first("AccessKeyId"), let secret = key.first("SecretAccessKey") else {
            throw MotoError(message: "moto's CreateAccessKey answered without a key: \(key.text.prefix(300))")
        }
        let credentials = AWSCredentials(accessKeyID: id, secretAccessKey: secret)
        let signed = AWSClient(service: .iam, region: "us-east-1", endpoint: endpoint, credentials: AWSCredentialProvider(credentials: credentials))
        let trust =
            #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*","Federated":"*"},"Action":["sts:AssumeRole","sts:AssumeRoleWithWebIdentity"]}]}"#
        let role = try await signed.query(
            "CreateRole", version: "2010-05-08", [("RoleName", "deployer"), ("AssumeRolePolicyDocument", trust)])
        _ = try await signed.query(
            "PutRolePolicy", version: "2010-05-08", [("RoleName", "deployer"), ("PolicyName", "all"), ("PolicyDocument", everything)])
        guard let arn = role.first("Arn") else { throw MotoError(message: "moto's CreateRole answered without an Arn") }
        return MotoServer(port: port, credentials: credentials, roleARN: arn, logPath: log)
    }

    /// A client for `service` signed with `credentials` (the IAM user's when nil).
    public func client(_ service: AWSService, credentials: AWSCredentials? = nil, transport: AWSTransport = .live) -> AWSClient {
        AWSClient(
            service: service, region: service == .iam ? "us-east-1" : region, endpoint: endpoint,
            credentials: AWSCredentialProvider(credentials: credentials ?? self.credentials), transport: transport, timeout: 30)
    }

    /// The next `count` actions skip the signature check: moto 5.2.1 cannot route an unsigned
    /// request (STS `AssumeRoleWithWebIdentity`) while checking is on (a KeyError on the
    /// missing Authorization header). Only on a server of the test's own (`ownChecked`).
    public func allowUnsigned(_ count: Int) async throws {
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        let request = HTTPRequestMessage(
            method: "POST", uri: "/moto-api/reset-auth", headers: [("Content-Type", "text/plain")], body: Array(String(count).utf8))
        let r = try await pool.send(request, timeout: 30)
        guard r.status == 200 else { throw MotoError(message: "reset-auth answered \(r.status)") }
    }
}
