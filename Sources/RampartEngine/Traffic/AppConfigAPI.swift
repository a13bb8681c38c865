import Foundation
import RampartAWS
import RampartNet

/// The AppConfig control-plane calls the `appconfig` router makes (rest-json, API version
/// 2019-10-09), each as botocore's service definition shapes it, with the AWS error named in
/// the failure. IDs go into paths percent-encoded; answers are read leniently (extra members are
/// ignored) but a missing member the router needs is a failure, never a default.
struct AppConfigAPI: Sendable {
    var client: AWSClient
    var application: String
    var environment: String
    var profile: String

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// One deployment as `GetDeployment` / `StartDeployment` / `ListDeployments` show it.
    struct Deployment: Equatable, Sendable {
        var number: Int
        var state: String
        var configurationVersion: String
        var profile: String
        /// The newest event's description: why AppConfig rolled it back, for the failure.
        var lastEvent: String?

        /// Still moving: a new deployment on the environment would be refused (ConflictException).
        var inProgress: Bool { ["DEPLOYING", "BAKING", "VALIDATING", "ROLLING_BACK"].contains(state) }
        var complete: Bool { state == "COMPLETE" }
        /// Undone by AppConfig (an alarm of the environment's monitors) or by a `StopDeployment`.
        var undone: Bool { ["ROLLING_BACK", "ROLLED_BACK", "REVERTED"].contains(state) }

        init?(_ json: [String: Any]) {
            guard let number = (json["DeploymentNumber"] as? NSNumber)?.intValue, let state = json["State"] as? String else { return nil }
            self.number = number
            self.state = state
            configurationVersion = json["ConfigurationVersion"] as? String ?? ""
            profile = json["ConfigurationProfileId"] as? String ?? ""
            // The event log is newest first.
            lastEvent = (json["EventLog"] as? [[String: Any]])?.first?["Description"] as? String
        }

        init(number: Int, state: String, configurationVersion: String, profile: String, lastEvent: String? = nil) {
            self.number = number
            self.state = state
            self.configurationVersion = configurationVersion
            self.profile = profile
            self.lastEvent = lastEvent
        }
    }

    /// A deployment strategy's pace: Rampart owns the pace only when AppConfig deploys at once
    /// and does not bake (a baking deployment blocks the next step's deployment).
    struct Strategy: Equatable, Sendable {
        var durationMinutes: Int
        var growthFactor: Double
        var finalBakeMinutes: Int

        var allAtOnce: Bool { durationMinutes == 0 && growthFactor >= 100 && finalBakeMinutes == 0 }
    }

    var applicationPath: String { "/applications/\(SigV4.encode(application))" }
    var environmentPath: String { applicationPath + "/environments/\(SigV4.encode(environment))" }
    var profilePath: String { applicationPath + "/configurationprofiles/\(SigV4.encode(profile))" }

    func json(_ method: String, _ path: String, body: [String: Any]? = nil, what: String) async throws(Failure) -> [String: Any] {
        var bytes: [UInt8]?
        if let body {
            guard let data = try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]) else {
                throw Failure(description: "\(what): cannot encode the request")
            }
            bytes = Array(data)
        }
        let answer: [UInt8]
        do {
            answer = try await client.restJSON(method, path: path, body: bytes)
        } catch {
            throw Failure(description: "\(what): \(error)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any] else {
            throw Failure(description: "\(what) answered with something that is not a JSON object")
        }
        return object
    }

    /// `GetConfigurationProfile`: its location (`hosted` is the only one Rampart can write) and type.
    func profileDetails() async throws(Failure) -> (location: String, type: String) {
        let p = try await json("GET", profilePath, what: "GetConfigurationProfile \(profile) of application \(application)")
        return (p["LocationUri"] as? String ?? "", p["Type"] as? String ?? "AWS.Freeform")
    }

    /// `GetEnvironment`: that it exists.
    func requireEnvironment() async throws(Failure) {
        _ = try await json("GET", environmentPath, what: "GetEnvironment \(environment) of application \(application)")
    }

    /// `GetDeploymentStrategy`.
    func strategy(_ id: String) async throws(Failure) -> Strategy {
        let s = try await json("GET", "/deploymentstrategies/\(SigV4.encode(id))", what: "GetDeploymentStrategy \(id)")
        guard let duration = (s["DeploymentDurationInMinutes"] as? NSNumber)?.intValue, let growth = (s["GrowthFactor"] as? NSNumber)?.doubleValue
        else { throw Failure(description: "GetDeploymentStrategy \(id) answered without its duration and growth factor") }
        return Strategy(durationMinutes: duration, growthFactor: growth, finalBakeMinutes: (s["FinalBakeTimeInMinutes"] as? NSNumber)?.intValue ?? 0)
    }

    /// The environment's recent deployments, newest first (as `ListDeployments` lists them).
    func deployments() async throws(Failure) -> [Deployment] {
        let list = try await json("GET", environmentPath + "/deployments?max_results=50", what: "ListDeployments on environment \(environment)")
        var out: [Deployment] = []
        for item in list["Items"] as? [[String: Any]] ?? [] {
            guard let d = Deployment(item) else { throw Failure(description: "ListDeployments answered an item without a number and state") }
            out.append(d)
        }
        return out.sorted { $0.number > $1.number }
    }

    /// `GetDeployment`.
    func deployment(_ number: Int) async throws(Failure) -> Deployment {
        let d = try await json("GET", environmentPath + "/deployments/\(number)", what: "GetDeployment \(number) on environment \(environment)")
        guard let deployment = Deployment(d) else { throw Failure(description: "GetDeployment \(number) answered without a number and state") }
        return deployment
    }

    /// `StopDeployment`: AppConfig puts the previous configuration back (state ROLLED_BACK).
    func stop(_ number: Int) async throws(Failure) {
        _ = try await json("DELETE", environmentPath + "/deployments/\(number)", what: "StopDeployment \(number) on environment \(environment)")
    }

    /// `GetHostedConfigurationVersion`: the document a version holds.
    func content(ofVersion version: String) async throws(Failure) -> [UInt8] {
        let what = "GetHostedConfigurationVersion \(version) of profile \(profile)"
        do {
            return try await client.restJSON("GET", path: profilePath + "/hostedconfigurationversions/\(SigV4.encode(version))")
        } catch {
            throw Failure(description: "\(what): \(error)")
        }
    }

    /// `CreateHostedConfigurationVersion`: the new version's number (the `Version-Number` header).
    func createVersion(_ document: [UInt8], description: String) async throws(Failure) -> String {
        let what = "CreateHostedConfigurationVersion on profile \(profile)"
        let response: ServiceHTTP.Response
        do {
            response = try await client.send(
                "POST", path: profilePath + "/hostedconfigurationversions",
                headers: [("Content-Type", "application/json"), ("Description", description)], body: document)
        } catch {
            throw Failure(description: "\(what): \(error)")
        }
        guard let number = response.headers.first(where: { $0.name.lowercased() == "version-number" })?.value, !number.isEmpty else {
            throw Failure(description: "\(what) answered without a Version-Number")
        }
        return number
    }

    /// `StartDeployment` of `version`; `after` is the deployment number the environment must be
    /// at (`LatestDeploymentNumber`), so a deployment someone else started in between is a
    /// conflict rather than silently overtaken.
    func start(version: String, strategy: String, after: Int?, description: String) async throws(Failure) -> Deployment {
        var body: [String: Any] = [
            "DeploymentStrategyId": strategy, "ConfigurationProfileId": profile, "ConfigurationVersion": version, "Description": description,
        ]
        if let after { body["LatestDeploymentNumber"] = after }
        let d = try await json("POST", environmentPath + "/deployments", body: body, what: "StartDeployment of version \(version) on \(environment)")
        guard let deployment = Deployment(d) else { throw Failure(description: "StartDeployment answered without a number and state") }
        return deployment
    }
}
