import Foundation
import RampartAWS
import RampartCore
import RampartNet

/// The loopback AppConfig stand-in (`Tests/RampartEngineTests/Fixtures/appconfig_standin.py`)
/// in front of moto: environments, deployment strategies, deployments and AppConfig Data,
/// which moto 5.2.1 lacks, answered by the stand-in after botocore checks each signature;
/// applications, profiles and hosted configuration versions forwarded to (and held by) moto.
public final class AppConfigStandIn: Sendable {
    public let port: Int
    public let pid: pid_t
    public let moto: MotoServer
    public var endpoint: String { "http://127.0.0.1:\(port)" }

    /// AppConfig Data signs as `appconfig` (botocore's appconfigdata definition).
    public static let dataService = AWSService(id: "AppConfigData", signingName: "appconfig", endpointPrefix: "appconfigdata")

    private init(port: Int, pid: pid_t, moto: MotoServer) {
        self.port = port
        self.pid = pid
        self.moto = moto
    }

    struct Config: Encodable {
        var region: String
        var credentials: [String: String]
        var moto: String
    }

    /// One stand-in per test process, in front of the unchecked moto; `next` applies to
    /// one application, so tests on flags of their own do not disturb each other.
    public static func shared() async throws -> AppConfigStandIn {
        try await Holder.one.get()
    }

    /// One start, awaited by every caller (see `MotoServer.Holder`).
    actor Holder {
        static let one = Holder()
        var starting: Task<AppConfigStandIn, any Error>?

        func get() async throws -> AppConfigStandIn {
            let task =
                starting
                ?? Task {
                    // It accepts the signed server's key too: a run signs every AWS call with one
                    // key, and CloudWatch is on the signed server.
                    let s = try await AppConfigStandIn.start(on: MotoServer.unchecked(), alsoAccepting: [MotoServer.running().credentials])
                    // Killed with moto when the test process exits (moto started first, so its hook is set).
                    motoPIDs.withLock { $0.append(s.pid) }
                    return s
                }
            starting = task
            return try await task.value
        }
    }

    /// A stand-in of the caller's own, in front of `moto` (unchecked: moto 5.2.1 refuses
    /// correctly signed body-less AppConfig reads while checking; the stand-in checks instead).
    public static func start(on moto: MotoServer, alsoAccepting others: [AWSCredentials] = []) async throws -> AppConfigStandIn {
        var keys = [moto.credentials.accessKeyID: moto.credentials.secretAccessKey]
        for other in others { keys[other.accessKeyID] = other.secretAccessKey }
        let config = Config(region: moto.region, credentials: keys, moto: moto.endpoint)
        let (port, pid) = try await PythonStandIn.launch(script: "appconfig_standin.py", config: config, what: "the AppConfig stand-in")
        return AppConfigStandIn(port: port, pid: pid, moto: moto)
    }

    public func client(_ service: AWSService = .appConfig, credentials: AWSCredentials? = nil) -> AWSClient {
        AWSClient(
            service: service, region: moto.region, endpoint: endpoint,
            credentials: AWSCredentialProvider(credentials: credentials ?? moto.credentials), timeout: 30)
    }

    /// One flag's place in AppConfig: what `router: appconfig` names.
    public struct Flag: Sendable {
        public var application: String
        public var environment: String
        public var profile: String
        public var strategy: String

        /// The router's settings, for a spec.
        public func router(endpoint: String, extra: String = "") -> String {
            "{ kind: appconfig, application: \(application), environment: \(environment), configuration_profile: \(profile), deployment_strategy: \(strategy), endpoint: \"\(endpoint)\"\(extra) }"
        }
    }

    func call(_ method: String, _ path: String, _ body: [String: Any]? = nil) async throws -> [String: Any] {
        let bytes = try body.map { Array(try JSONSerialization.data(withJSONObject: $0)) }
        let answer = try await client().restJSON(method, path: path, body: bytes)
        return (try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any]) ?? [:]
    }

    /// An application with a hosted freeform profile, an environment and an all-at-once
    /// strategy without bake (`bakeMinutes` for one that bakes).
    public func makeFlag(bakeMinutes: Int = 0, profileType: String = "AWS.Freeform") async throws -> Flag {
        let app = try await call("POST", "/applications", ["Name": "support-bot-\(UInt32.random(in: 0...UInt32.max))"])
        guard let a = app["Id"] as? String else { throw MotoServer.MotoError(message: "CreateApplication answered \(app)") }
        let profile = try await call(
            "POST", "/applications/\(a)/configurationprofiles", ["Name": "canary", "LocationUri": "hosted", "Type": profileType])
        let environment = try await call("POST", "/applications/\(a)/environments", ["Name": "prod"])
        let strategy = try await call(
            "POST", "/deploymentstrategies",
            ["Name": "rampart", "DeploymentDurationInMinutes": 0, "GrowthFactor": 100, "FinalBakeTimeInMinutes": bakeMinutes, "ReplicateTo": "NONE"])
        guard let p = profile["Id"] as? String, let e = environment["Id"] as? String, let s = strategy["Id"] as? String else {
            throw MotoServer.MotoError(message: "the AppConfig set-up answered \(profile) \(environment) \(strategy)")
        }
        return Flag(application: a, environment: e, profile: p, strategy: s)
    }

    /// Deploys `document` on `flag`'s environment as someone other than Rampart would (the
    /// console, a crashed run): a new hosted version, then StartDeployment, not waited for.
    public func deploy(_ document: String, on flag: Flag) async throws {
        let c = client()
        let base = "/applications/\(flag.application)"
        let made = try await c.send(
            "POST", path: base + "/configurationprofiles/\(flag.profile)/hostedconfigurationversions",
            headers: [("Content-Type", "application/json")], body: Array(document.utf8))
        guard let version = made.headers.first(where: { $0.name.lowercased() == "version-number" })?.value else {
            throw MotoServer.MotoError(message: "CreateHostedConfigurationVersion answered without a Version-Number")
        }
        let start: [String: Any] = ["DeploymentStrategyId": flag.strategy, "ConfigurationProfileId": flag.profile, "ConfigurationVersion": version]
        _ = try await c.restJSON(
            "POST", path: base + "/environments/\(flag.environment)/deployments", body: Array(try JSONSerialization.data(withJSONObject: start)))
    }

    /// A deployment as the tests look at it.
    public struct Deployment: Equatable, Sendable, CustomStringConvertible {
        public var number: Int
        public var state: String
        public var version: String
        public var description: String { "#\(number) v\(version) \(state)" }
    }

    /// ListDeployments, oldest first.
    public func deployments(_ flag: Flag) async throws -> [Deployment] {
        let list = try await call("GET", "/applications/\(flag.application)/environments/\(flag.environment)/deployments")
        return (list["Items"] as? [[String: Any]] ?? []).compactMap { d in
            guard let n = (d["DeploymentNumber"] as? NSNumber)?.intValue, let state = d["State"] as? String else { return nil }
            return Deployment(number: n, state: state, version: d["ConfigurationVersion"] as? String ?? "")
        }.sorted { $0.number < $1.number }
    }

    /// The weight in a hosted configuration version.
    public func weight(_ flag: Flag, version: String) async throws -> Double {
        let bytes = try await client().restJSON(
            "GET", path: "/applications/\(flag.application)/configurationprofiles/\(flag.profile)/hostedconfigurationversions/\(version)")
        return try FlagDocument.weight(in: Data(bytes), source: "version \(version)").get()
    }

    /// What the app's fleet reads through AppConfig Data (a new session each time): the weight
    /// deployed on the environment, nil before the first deployment.
    public func servedWeight(_ flag: Flag) async throws -> Double? {
        let data = client(Self.dataService)
        let session = try JSONSerialization.data(withJSONObject: [
            "ApplicationIdentifier": flag.application, "EnvironmentIdentifier": flag.environment, "ConfigurationProfileIdentifier": flag.profile,
        ])
        let started = try await data.restJSON("POST", path: "/configurationsessions", body: Array(session))
        guard let token = (try? JSONSerialization.jsonObject(with: Data(started)) as? [String: Any])?["InitialConfigurationToken"] as? String else {
            throw MotoServer.MotoError(message: "StartConfigurationSession answered without a token")
        }
        let r = try await data.send("GET", path: "/configuration?configuration_token=\(SigV4.encode(token))", headers: [], body: [])
        if r.body.isEmpty { return nil }
        return try FlagDocument.weight(in: Data(r.body), source: "the served configuration").get()
    }

    /// What the next deployment of `flag`'s application does: `"roll_back"`, `"stall"` or
    /// `"complete"`, at its `polls`-th poll.
    public func next(_ behaviour: String, polls: Int = 1, on flag: Flag) async throws {
        let pool = HTTPEndpoint(host: "127.0.0.1", port: port)
        let body = Array(#"{"application": "\#(flag.application)", "next": "\#(behaviour)", "polls": \#(polls)}"#.utf8)
        let r = try await pool.send(
            HTTPRequestMessage(method: "POST", uri: "/control", headers: [("Content-Type", "application/json")], body: body), timeout: 30)
        guard r.status == 200 else { throw MotoServer.MotoError(message: "/control answered \(r.status)") }
    }

    /// Requests seen, refused (signature), forwarded to moto, deployments started.
    public func stats() async -> [String: Int] {
        await PythonStandIn.stats(port: port)
    }

    public func stop() {
        PythonStandIn.stop(pid)
    }
}
