import Foundation
import RampartAWS
import RampartTestSupport
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `router: lambda_alias` against Lambda on moto: the alias's routing configuration is what
/// Rampart wrote at every weight (read back with GetAlias), promotion points it at the
/// candidate, rollback clears the weights, and a canary does not start on an alias that is not
/// on the baseline or a version that does not exist. moto 5.2.1 refuses correctly signed
/// body-less requests (GetAlias) while checking signatures, so this runs on the unchecked server.
@Suite(.serialized) struct LambdaAliasRouterTests {
    /// index.py returning {"ok": True} (the baseline) and {"ok": 2} (the candidate), zipped: Lambda
    /// publishes a new version only when the code changed.
    static let code = [
        "UEsDBBQAAAAAAAAAgV2sKm9YNQAAADUAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJvayI6IFRydWV9ClBLAQIUAxQAAAAAAAAAgV2sKm9YNQAAADUAAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABbAAAAAAA=",
        "UEsDBBQAAAAAAAAAgV0kRlj1MgAAADIAAAAIAAAAaW5kZXgucHlkZWYgaGFuZGxlcihldmVudCwgY29udGV4dCk6CiAgICByZXR1cm4geyJvayI6IDJ9ClBLAQIUAxQAAAAAAAAAgV0kRlj1MgAAADIAAAAIAAAAAAAAAAAAAACAAQAAAABpbmRleC5weVBLBQYAAAAAAQABADYAAABYAAAAAAA=",
    ]

    func json(_ bytes: [UInt8]) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:] }

    /// A function with versions 1 and 2 and an alias `live` on 1.
    func function(_ moto: MotoServer) async throws -> String {
        let lambda = moto.client(.lambda)
        let name = "support-bot-\(UInt32.random(in: 0...UInt32.max))"
        let create: [String: Any] = [
            "FunctionName": name, "Runtime": "python3.12", "Role": moto.roleARN, "Handler": "index.handler", "Code": ["ZipFile": Self.code[0]],
        ]
        _ = try await lambda.restJSON("POST", path: "/2015-03-31/functions", body: Array(try JSONSerialization.data(withJSONObject: create)))
        var versions: [String] = []
        for (i, description) in ["2025-06-01", "2025-09-14"].enumerated() {
            if i > 0 {
                let update = Array(try JSONSerialization.data(withJSONObject: ["ZipFile": Self.code[i]]))
                _ = try await lambda.restJSON("PUT", path: "/2015-03-31/functions/\(name)/code", body: update)
            }
            let body = Array(try JSONSerialization.data(withJSONObject: ["Description": description]))
            versions.append(
                json(try await lambda.restJSON("POST", path: "/2015-03-31/functions/\(name)/versions", body: body))["Version"] as? String ?? "?")
        }
        #expect(versions == ["1", "2"])
        let alias = Array(try JSONSerialization.data(withJSONObject: ["Name": "live", "FunctionVersion": "1"]))
        _ = try await lambda.restJSON("POST", path: "/2015-03-31/functions/\(name)/aliases", body: alias)
        return name
    }

    func router(_ moto: MotoServer, function: String, baseline: String = "1", candidate: String = "2") throws -> any TrafficRouter {
        let yaml = """
            format: 1
            name: lambda
            baseline: { provider: sim, model: m, version: "1" }
            candidate: { provider: sim, model: m, version: "2" }
            canary:
              router: { kind: lambda_alias, function: \(function), alias: live, baseline_version: "\(baseline)", candidate_version: "\(candidate)", endpoint: "\(moto.endpoint)" }
              traffic: { source: external, dataset: data/golden.jsonl }
              metrics_source: { kind: prometheus, url: "http://127.0.0.1:9" }
              steps: [ { weight: 10, bake: 30s } ]
              metrics: [ { metric: error_rate, max_increase: 0.01 } ]

            """
        let spec = try SpecLoader.parse(
            yaml, file: "s.yaml", directory: Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs", kinds: RunAssembly.kinds)
        let canary = try #require(spec.canary)
        let environment = [
            "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey, "AWS_REGION": moto.region,
            "AWS_EC2_METADATA_DISABLED": "true", "HOME": TestPaths.temporaryDirectory(),
        ]
        return try #require(
            RunAssembly.router(canary.router, pipeline: spec, environment: environment, redactor: Redactor(environment: [:], named: [])))
    }

    /// The alias as GetAlias shows it: its version and the extra weights.
    func alias(_ moto: MotoServer, _ function: String) async throws -> (String, [String: Double]) {
        let a = json(try await moto.client(.lambda).restJSON("GET", path: "/2015-03-31/functions/\(function)/aliases/live"))
        let weights = ((a["RoutingConfig"] as? [String: Any])?["AdditionalVersionWeights"] as? [String: NSNumber] ?? [:]).mapValues(\.doubleValue)
        return (a["FunctionVersion"] as? String ?? "?", weights)
    }

    @Test func theAliasCarriesEachWeightThenThePromotion() async throws {
        let moto = try await MotoServer.unchecked()
        let name = try await function(moto)
        let r = try router(moto, function: name)
        #expect(r.name == "lambda_alias" && r.detail == "\(name):live in eu-west-1")
        try await r.prepare()
        for (weight, share) in [(10.0, 0.1), (25, 0.25), (50, 0.5)] {
            try await r.setWeight(weight)
            let (version, weights) = try await alias(moto, name)
            #expect(version == "1" && weights == ["2": share], "at \(weight) %")
        }
        try await r.setWeight(0)
        #expect(try await alias(moto, name) == ("1", [:]))
        try await r.setWeight(100)
        #expect(try await alias(moto, name) == ("2", [:]))
    }

    @Test func aCanaryDoesNotStartFromAnAliasItCannotTrust() async throws {
        let moto = try await MotoServer.unchecked()
        let name = try await function(moto)
        // Version 7 was never published.
        await #expect { try await router(moto, function: name, candidate: "7").prepare() } throws: { "\($0)".contains("version 7 of \(name)") }
        // A canary already live (or crashed) on the alias: its weights are not silently overwritten.
        let live = try router(moto, function: name)
        try await live.setWeight(25)
        await #expect { try await router(moto, function: name).prepare() } throws: { "\($0)".contains("already routes version 1 + 2 at 25%") }
        // The alias points at 2, not the baseline 1: someone else released.
        try await live.setWeight(100)
        await #expect { try await router(moto, function: name).prepare() } throws: { "\($0)".contains("points at version 2, not the baseline 1") }
        // A function that does not exist: the AWS error, named.
        await #expect { try await router(moto, function: "no-such-function").prepare() } throws: { "\($0)".contains("ResourceNotFound") }
    }

    @Test func theSpecRefusesWhatAnAliasCannotRoute() {
        func problems(_ router: String) -> [String] {
            let yaml = """
                format: 1
                name: lambda
                baseline: { provider: sim, model: m, version: "1" }
                candidate: { provider: sim, model: m, version: "2" }
                canary:
                  router: \(router)
                  traffic: { source: external, dataset: data/golden.jsonl }
                  metrics_source: { kind: prometheus, url: "http://127.0.0.1:9" }
                  steps: [ { weight: 10, bake: 30s } ]
                  metrics: [ { metric: error_rate, max_increase: 0.01 } ]

                """
            do {
                _ = try SpecLoader.parse(
                    yaml, file: "s.yaml", directory: Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs", kinds: RunAssembly.kinds)
                return []
            } catch { return error.diagnostics.map(\.description) }
        }
        let latest = problems(#"{ kind: lambda_alias, function: f, alias: live, baseline_version: "1", candidate_version: "$LATEST" }"#)
        #expect(latest.contains { $0.contains("canary.router.candidate_version") && $0.contains("never $LATEST") })
        let same = problems(#"{ kind: lambda_alias, function: f, alias: live, baseline_version: "3", candidate_version: "3" }"#)
        #expect(same.contains { $0.contains("is the baseline's version") })
        let missing = problems("{ kind: lambda_alias, function: f }")
        #expect(missing.count == 3 && missing.allSatisfy { $0.contains("required field is missing") })
    }
}
