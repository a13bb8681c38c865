import Foundation
import RampartAWS
import RampartTestSupport
import Testing

@testable import RampartCore
@testable import RampartEngine

/// `router: appconfig` against AppConfig on moto plus the loopback stand-in for what moto lacks
/// (environments, strategies, deployments, AppConfig Data; see AppConfigStandIn): every weight
/// is a new hosted version holding the flag document, deployed and read back, and what the
/// fleet reads through AppConfig Data is that weight; a deployment AppConfig rolls back or one
/// that does not complete is a router failure, and the way back to 0 % still works after it.
@Suite(.serialized) struct AppConfigRouterTests {
    /// A spec whose canary uses `router` (settings in flow style).
    static func spec(router: String) throws -> PipelineSpec {
        try SpecLoader.parse(
            """
            format: 1
            name: appconfig
            baseline: { provider: sim, model: m, version: "1" }
            candidate: { provider: sim, model: m, version: "2" }
            canary:
              router: \(router)
              traffic: { source: external, dataset: data/golden.jsonl }
              metrics_source: { kind: prometheus, url: "http://127.0.0.1:9" }
              steps: [ { weight: 10, bake: 30s } ]
              metrics: [ { metric: error_rate, max_increase: 0.01 } ]

            """, file: "s.yaml", directory: Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs", kinds: RunAssembly.kinds)
    }

    func router(
        _ s: AppConfigStandIn, _ flag: AppConfigStandIn.Flag, extra: String = "", environment: [String: String]? = nil
    ) throws -> any TrafficRouter {
        let spec = try Self.spec(router: flag.router(endpoint: s.endpoint, extra: extra))
        let canary = try #require(spec.canary)
        return try #require(
            RunAssembly.router(
                canary.router, pipeline: spec, environment: environment ?? s.moto.processEnvironment, redactor: Redactor(environment: [:], named: [])
            ))
    }

    @Test func eachWeightIsANewVersionDeployedAndServed() async throws {
        let s = try await AppConfigStandIn.shared()
        let flag = try await s.makeFlag()
        let r = try router(s, flag)
        #expect(r.name == "appconfig" && r.detail == "\(flag.application)/\(flag.environment)/\(flag.profile) in eu-west-1")
        try await r.prepare()
        #expect(try await s.servedWeight(flag) == nil, "nothing deployed before the first step")
        var versions: [String] = []
        for weight in [10.0, 25, 50, 0, 100] {
            try await r.setWeight(weight)
            let deployments = try await s.deployments(flag)
            let last = try #require(deployments.last)
            #expect(last.state == "COMPLETE" && last.number == deployments.count, "\(deployments)")
            #expect(try await s.weight(flag, version: last.version) == weight)
            #expect(try await s.servedWeight(flag) == weight, "the fleet reads \(weight) % through AppConfig Data")
            versions.append(last.version)
        }
        #expect(versions == ["1", "2", "3", "4", "5"], "one hosted version per weight: \(versions)")
    }

    @Test func aDeploymentAppConfigRollsBackIsARouterFailure() async throws {
        let s = try await AppConfigStandIn.shared()
        let flag = try await s.makeFlag()
        let r = try router(s, flag)
        try await r.prepare()
        try await r.setWeight(5)
        try await s.next("roll_back", polls: 2, on: flag)
        await #expect {
            try await r.setWeight(10)
        } throws: { e in
            "\(e)".contains("AppConfig rolled back deployment 2 (version 2, canary_weight 10)") && "\(e)".contains("alarm support-bot-errors")
        }
        #expect(try await s.servedWeight(flag) == 5, "AppConfig keeps the previous version")
        // The engine's answer to a router failure: weight 0, which deploys.
        try await r.setWeight(0)
        #expect(try await s.servedWeight(flag) == 0)
        #expect(try await s.deployments(flag).map(\.state) == ["COMPLETE", "ROLLED_BACK", "COMPLETE"])
    }

    @Test func aDeploymentThatDoesNotCompleteIsStoppedAtItsDeadline() async throws {
        let s = try await AppConfigStandIn.shared()
        let flag = try await s.makeFlag()
        let r = try router(s, flag, extra: ", deploy_timeout: 1s")
        try await r.prepare()
        try await s.next("stall", on: flag)
        await #expect { try await r.setWeight(10) } throws: { "\($0)".contains("was still DEPLOYING after 1s; stopped") }
        #expect(try await s.deployments(flag).map(\.state) == ["ROLLED_BACK"], "stopped, so nothing half-deployed stays")
        try await r.setWeight(0)
        #expect(try await s.servedWeight(flag) == 0)
    }

    @Test func aDeploymentLeftMovingByACrashedRunIsWaitedFor() async throws {
        let s = try await AppConfigStandIn.shared()
        let flag = try await s.makeFlag()
        let r = try router(s, flag)
        try await r.prepare()
        try await r.setWeight(10)
        // A run killed while its 25 % deployment was still moving: it completes at the 3rd poll.
        try await s.next("complete", polls: 3, on: flag)
        try await s.deploy(#"{"canary_weight": 25}"#, on: flag)
        // `rampart recover` (or the engine after a failure) sets 0 %: it waits for that one, then deploys.
        try await r.setWeight(0)
        #expect(try await s.servedWeight(flag) == 0)
        #expect(try await s.deployments(flag).map(\.state) == ["COMPLETE", "COMPLETE", "COMPLETE"])
    }

    @Test func aCanaryDoesNotStartFromAFlagItCannotTrust() async throws {
        let s = try await AppConfigStandIn.shared()
        // A strategy that bakes: the next step's deployment would wait for the bake.
        let baking = try await s.makeFlag(bakeMinutes: 10)
        await #expect { try await router(s, baking).prepare() } throws: { "\($0)".contains("bakes 10 min; Rampart paces the canary itself") }
        // AppConfig's own AllAtOnce bakes for 10 minutes too.
        var predefined = try await s.makeFlag()
        predefined.strategy = "AppConfig.AllAtOnce"
        await #expect { try await router(s, predefined).prepare() } throws: { "\($0)".contains("deployment strategy AppConfig.AllAtOnce") }
        // A feature-flag profile has its own schema; the flag document is freeform JSON.
        let typed = try await s.makeFlag(profileType: "AWS.AppConfig.FeatureFlags")
        await #expect { try await router(s, typed).prepare() } throws: { "\($0)".contains("of type AWS.AppConfig.FeatureFlags") }
        // A canary already live (or crashed) on the environment.
        let live = try await s.makeFlag()
        try await router(s, live).setWeight(25)
        await #expect { try await router(s, live).prepare() } throws: {
            "\($0)".contains("already has canary_weight 25% deployed") && "\($0)".contains("rampart recover")
        }
        // A deployment still moving.
        let moving = try await s.makeFlag()
        try await s.next("stall", on: moving)
        try await s.deploy(#"{"canary_weight": 0}"#, on: moving)
        await #expect { try await router(s, moving).prepare() } throws: {
            "\($0)".contains("deployment 1 on environment \(moving.environment) is DEPLOYING; wait for it or stop it")
        }
        var missing = try await s.makeFlag()
        missing.environment = "nosuchenv"
        await #expect { try await router(s, missing).prepare() } throws: { "\($0)".contains("ResourceNotFoundException") }
        // Another profile's document deployed where the flag should be.
        let foreign = try await s.makeFlag()
        try await s.deploy(#"{"log_level": "debug"}"#, on: foreign)
        await #expect { try await router(s, foreign).prepare() } throws: {
            "\($0)".contains("has no canary_weight") && "\($0)".contains("is this profile the app's canary flag?")
        }
    }

    @Test func aWrongKeyMovesNothing() async throws {
        let s = try await AppConfigStandIn.shared()
        let flag = try await s.makeFlag()
        var environment = s.moto.processEnvironment
        environment["AWS_SECRET_ACCESS_KEY"] = "not-the-secret"
        let r = try router(s, flag, environment: environment)
        await #expect { try await r.setWeight(10) } throws: { "\($0)".contains("InvalidSignatureException") }
        #expect(try await s.deployments(flag).isEmpty)
    }

    @Test func theSpecRefusesWhatAppConfigCannotName() throws {
        func problems(_ router: String) -> String {
            do {
                _ = try Self.spec(router: router)
                return ""
            } catch {
                return "\(error)"
            }
        }
        let missing = problems("{ kind: appconfig, application: abc1234 }")
        #expect(
            missing.contains("canary.router.environment") && missing.contains("configuration_profile") && missing.contains("deployment_strategy"),
            "\(missing)")
        let slash = problems("{ kind: appconfig, application: a/b, environment: e, configuration_profile: p, deployment_strategy: s }")
        #expect(slash.contains("canary.router.application") && slash.contains("must be an AppConfig ID"), "\(slash)")
        let region = problems(
            "{ kind: appconfig, application: a, environment: e, configuration_profile: p, deployment_strategy: s, region: Mars }")
        #expect(region.contains("must be an AWS region"), "\(region)")
        let extra = problems("{ kind: appconfig, application: a, environment: e, configuration_profile: p, deployment_strategy: s, weight: 5 }")
        #expect(extra.contains("weight"), "\(extra)")
        #expect(problems("{ kind: appconfig, application: a, environment: e, configuration_profile: p, deployment_strategy: s }") == "")
    }
}
