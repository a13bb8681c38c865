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
    func json(_ bytes: [UInt8]) -> [String: Any] { (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:] }

    /// A function with versions 1 and 2 and an alias `live` on 1.
    func function(_ moto: MotoServer) async throws -> String { try await MotoLambda.create(on: moto).function }

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
        let environment = moto.processEnvironment
        return try #require(
            RunAssembly.router(canary.router, pipeline: spec, environment: environment, redactor: Redactor(environment: [:], named: [])))
    }

    /// The alias as GetAlias shows it: its version and the extra weights.
    func alias(_ moto: MotoServer, _ function: String) async throws -> (String, [String: Double]) {
        try await MotoLambda(moto: moto, function: function).alias()
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
