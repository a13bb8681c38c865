import Foundation
import RampartAWS
import RampartCore

/// `router: { kind: lambda_alias }`: the canary's share is the weight of the candidate version
/// in a Lambda alias's routing configuration (`AdditionalVersionWeights`), so the whole fleet
/// that invokes the alias splits as Rampart says, with no proxy in the path. Promotion points
/// the alias at the candidate with no extra weights; rollback clears them. Every change is read
/// back with `GetAlias`, and an alias that does not say what was written is a router failure.
public struct LambdaAliasRouter: RouterKind, Equatable {
    public static let kind = "lambda_alias"
    public static let keys = ["function", "alias", "baseline_version", "candidate_version", "region", "endpoint", "timeout"]

    /// A function name, partial ARN or ARN.
    public var function: String
    public var alias: String
    public var baselineVersion: String
    public var candidateVersion: String
    public var region: String?
    public var endpoint: String?
    public var timeout: Double

    public init?(_ s: SettingsReader) {
        var ok = true
        for key in ["function", "alias", "baseline_version", "candidate_version"] where !s.require(key) { ok = false }
        guard ok, let function = s.string("function"), let alias = s.string("alias"), let b = s.string("baseline_version"),
            let c = s.string("candidate_version")
        else { return nil }
        for (key, v) in [("baseline_version", b), ("candidate_version", c)] where !v.allSatisfy(\.isNumber) {
            s.error(key, "must be a published version number (an alias routes between versions, never $LATEST), got '\(v)'")
        }
        if b == c { s.error("candidate_version", "is the baseline's version (\(b)); a canary needs two versions") }
        if function.contains("/") || function.contains(where: \.isWhitespace) {
            s.error("function", "must be a function name or ARN, got '\(function)'")
        }
        self.function = function
        self.alias = alias
        baselineVersion = b
        candidateVersion = c
        region = s.awsRegion("region")
        endpoint = s.string("endpoint")
        timeout = s.duration("timeout", minimum: 0.1) ?? 10
    }

    public var summary: String { "alias \(alias) of \(function), versions \(baselineVersion) → \(candidateVersion)" }

    public func router(_ context: KindContext) -> any TrafficRouter {
        let aws = context.aws
        // A function ARN names its region; otherwise the spec's or the environment's.
        let fromARN = function.hasPrefix("arn:") ? function.split(separator: ":").dropFirst(3).first.map(String.init) : nil
        guard let region = aws.setup.region(region ?? fromARN) else {
            return UnbuildableRouter(name: Self.kind, why: "no AWS region for function \(function): set region in the router, or AWS_REGION")
        }
        return Router(settings: self, client: aws.client(.lambda, region: region, endpoint: endpoint, timeout: timeout))
    }

    /// The router itself: `UpdateAlias` and `GetAlias` on the Lambda API (rest-json).
    struct Router: TrafficRouter {
        var settings: LambdaAliasRouter
        var client: AWSClient

        var name: String { LambdaAliasRouter.kind }
        var detail: String { "\(settings.function):\(settings.alias) in \(client.region)" }

        var path: String {
            "/2015-03-31/functions/\(SigV4.encode(settings.function))/aliases/\(SigV4.encode(settings.alias))"
        }

        /// What the alias must say at `percent`: which version it points at, and the
        /// candidate's weight beside it (none at 0 % and after promotion).
        func target(_ percent: Double) -> AliasState {
            if percent >= 100 { return AliasState(version: settings.candidateVersion, weights: [:]) }
            if percent <= 0 { return AliasState(version: settings.baselineVersion, weights: [:]) }
            return AliasState(version: settings.baselineVersion, weights: [settings.candidateVersion: percent / 100])
        }

        func prepare() async throws(RouterError) {
            let now = try await read()
            guard now.version == settings.baselineVersion else {
                throw RouterError(
                    "alias \(settings.alias) of \(settings.function) points at version \(now.version), not the baseline \(settings.baselineVersion)")
            }
            guard now.weights.isEmpty else {
                throw RouterError(
                    "alias \(settings.alias) of \(settings.function) already routes \(now): another canary is live, or one crashed (`rampart recover`)"
                )
            }
            for version in [settings.baselineVersion, settings.candidateVersion] {
                do {
                    _ = try await client.restJSON("GET", path: "/2015-03-31/functions/\(SigV4.encode(settings.function))?Qualifier=\(version)")
                } catch {
                    throw RouterError("version \(version) of \(settings.function): \(error)")
                }
            }
        }

        func setWeight(_ percent: Double) async throws(RouterError) {
            let want = target(percent)
            var body: [String: Any] = ["FunctionVersion": want.version]
            body["RoutingConfig"] = ["AdditionalVersionWeights": want.weights]
            let bytes: [UInt8]
            do {
                bytes = Array(try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
            } catch {
                throw RouterError("cannot encode the alias update")
            }
            do {
                _ = try await client.restJSON("PUT", path: path, body: bytes)
            } catch {
                throw RouterError("UpdateAlias \(settings.alias) of \(settings.function): \(error)")
            }
            let now = try await read()
            guard now.matches(want) else {
                throw RouterError("alias \(settings.alias) reads back \(now) after Rampart wrote \(want)")
            }
        }

        /// The candidate's share as the alias routes it; an alias on neither version is not a
        /// share Rampart can name.
        func current() async throws(RouterError) -> Double? {
            let now = try await read()
            if now.version == settings.candidateVersion && now.weights.isEmpty { return 100 }
            guard now.version == settings.baselineVersion, now.weights.keys.allSatisfy({ $0 == settings.candidateVersion }) else {
                throw RouterError(
                    "alias \(settings.alias) of \(settings.function) routes \(now), which is neither the baseline \(settings.baselineVersion) nor the candidate \(settings.candidateVersion)"
                )
            }
            return (now.weights[settings.candidateVersion] ?? 0) * 100
        }

        /// `GetAlias`, as the version and the extra weights it routes.
        func read() async throws(RouterError) -> AliasState {
            let bytes: [UInt8]
            do {
                bytes = try await client.restJSON("GET", path: path)
            } catch {
                throw RouterError("GetAlias \(settings.alias) of \(settings.function): \(error)")
            }
            guard let json = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
                let version = json["FunctionVersion"] as? String
            else { throw RouterError("GetAlias \(settings.alias) answered without a FunctionVersion") }
            let routing = (json["RoutingConfig"] as? [String: Any])?["AdditionalVersionWeights"] as? [String: Any] ?? [:]
            var weights: [String: Double] = [:]
            for (v, w) in routing { if let n = w as? NSNumber { weights[v] = n.doubleValue } }
            return AliasState(version: version, weights: weights)
        }
    }

    /// An alias's routing: the version it points at and the extra versions' shares (0…1).
    struct AliasState: Equatable, CustomStringConvertible {
        var version: String
        var weights: [String: Double]

        /// Lambda stores weights as given; 1e-9 allows for their decimal round trip.
        func matches(_ other: AliasState) -> Bool {
            version == other.version && weights.keys.sorted() == other.weights.keys.sorted()
                && weights.allSatisfy { abs($0.value - (other.weights[$0.key] ?? -1)) < 1e-9 }
        }

        var description: String {
            "version \(version)" + weights.sorted { $0.key < $1.key }.map { " + \($0.key) at \(MetricFormat.percent($0.value * 100))" }.joined()
        }
    }
}
