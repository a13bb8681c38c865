import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

/// A router kind as a user would add one: its settings and its router in one type.
private struct FlagServiceRouter: RouterKind, Equatable {
    static let kind = "flag_service"
    static let keys = ["url", "token_env", "timeout"]
    var url: String
    var tokenEnv: String?
    var timeout: Double

    init?(_ s: SettingsReader) {
        guard s.require("url", hint: "the flag service's API"), let url = s.string("url") else { return nil }
        if !url.hasPrefix("https://") { s.error("url", "must be an https URL, got '\(url)'") }
        self.url = url
        tokenEnv = s.environmentName("token_env")
        timeout = s.duration("timeout", minimum: 0.1) ?? 5
    }

    var summary: String { url }
    var secretVariables: [String] { tokenEnv.map { [$0] } ?? [] }

    func router(_ context: KindContext) -> any TrafficRouter {
        Built(name: Self.kind, detail: "\(url) with \(context.environment["FLAG_TOKEN"].map { _ in "a token" } ?? "no token")")
    }

    struct Built: TrafficRouter {
        var name: String
        var detail: String
        func setWeight(_ percent: Double) async throws(RouterError) {}
    }
}

/// A kind that answers nil without saying why: the spec must still fail.
private struct SilentRouter: RouterKind, Equatable {
    static let kind = "silent"
    static let keys: [String] = []
    init?(_ s: SettingsReader) { nil }
    var summary: String { "" }
    func router(_ context: KindContext) -> any TrafficRouter { FlagServiceRouter.Built(name: "silent", detail: "") }
}

/// Parses but builds nothing: settings read with kinds the assembly does not know.
private struct ParseOnlyRouter: RouterSettings, Equatable {
    static let kind = "parse_only"
    static let keys: [String] = []
    init?(_ s: SettingsReader) {}
    var summary: String { "" }
}

/// A metrics source kind that checks the canary's metrics at validation.
private struct CountsOnlySource: MetricSourceKind, Equatable {
    static let kind = "counts_only"
    static let keys = ["region"]
    var region: String

    init?(_ s: SettingsReader, checks: [MetricCheck]) {
        for c in checks where c.metric != .errorRate {
            s.error(nil, "reads error counts only; \(c.metric.rawValue) cannot be judged from it")
        }
        region = s.string("region") ?? "local"
    }

    var summary: String { "counts in \(region)" }
    func source(_ context: KindContext) -> any MetricSource { UnbuildableSource(name: "counts_only") }
}

@Suite struct RegisteredKindsTests {
    let kinds = SpecKinds(
        routers: [FlagServiceRouter.self, SilentRouter.self, ParseOnlyRouter.self], metricSources: [CountsOnlySource.self])
    let directory = Paths.repository + "/Tests/RampartCoreTests/Fixtures/specs"

    func spec(router: String, source: String = "{ kind: counts_only, region: eu-west-1 }", metric: String = "error_rate, max_increase: 0.01")
        -> String
    {
        """
        format: 1
        name: kinds
        baseline: { provider: sim, model: m, version: "1.0" }
        candidate: { provider: sim, model: m, version: "1.1" }
        canary:
          router: \(router)
          traffic: { source: external, dataset: data/golden.jsonl }
          metrics_source: \(source)
          steps: [ { weight: 10, bake: 30s } ]
          metrics:
            - { metric: \(metric) }

        """
    }

    func problems(_ text: String, kinds: SpecKinds? = nil) -> [String] {
        do {
            _ = try SpecLoader.parse(text, file: "s.yaml", directory: directory, kinds: kinds ?? self.kinds)
            return []
        } catch {
            return error.diagnostics.map { "\($0)" }
        }
    }

    @Test func aRegisteredRouterAndSourceParseIntoTheirOwnSettings() throws {
        let s = try SpecLoader.parse(
            spec(router: "{ kind: flag_service, url: 'https://flags.example', token_env: FLAG_TOKEN }"), file: "s.yaml",
            directory: directory, kinds: kinds)
        let canary = try #require(s.canary)
        guard case .kind(let r) = canary.router, let flags = r as? FlagServiceRouter else {
            Issue.record("router is \(canary.router.name)")
            return
        }
        #expect(flags.url == "https://flags.example" && flags.tokenEnv == "FLAG_TOKEN" && flags.timeout == 5)
        #expect(canary.router.name == "flag_service" && canary.metricsSource.name == "counts_only")
        #expect(canary.router == .kind(flags) && canary.router != .builtin)
        let elsewhere = try #require(CountsOnlySource(nilReader, checks: []))
        #expect(canary.metricsSource != .kind(elsewhere) && canary.metricsSource != .observations)
    }

    /// A reader over an empty mapping, for building settings values in tests.
    var nilReader: SettingsReader {
        let reader = YAMLReader(file: "t.yaml", directory: ".")
        return SettingsReader(reader: reader, field: YAMLField(node: .mapping([:]), path: "t"), fields: [:])
    }

    @Test func settingsMistakesHaveTheFileLineAndField() {
        let p = problems(spec(router: "{ kind: flag_service, url: 'http://flags', token_env: 'my token', timout: 3 }"))
        #expect(p.contains { $0.contains("s.yaml:6") && $0.contains("canary.router.timout") && $0.contains("did you mean 'timeout'") })
        #expect(p.contains { $0.contains("canary.router.url") && $0.contains("must be an https URL") })
        #expect(p.contains { $0.contains("canary.router.token_env") && $0.contains("must name an environment variable") })
        let missing = problems(spec(router: "{ kind: flag_service }"))
        #expect(missing.count == 1 && missing[0].contains("canary.router.url") && missing[0].contains("the flag service's API"))
        let scalar = problems(spec(router: "flag_service"))
        #expect(scalar.first?.contains("router 'flag_service' needs settings") == true)
    }

    @Test func aKindThatIsNotRegisteredIsNamedAmongTheChoices() {
        let p = problems(spec(router: "{ kind: flag_service, url: 'https://f' }", source: "observations"), kinds: .builtIn)
        #expect(p.contains { $0.contains("must be one of: builtin, file, command, nginx; got 'flag_service'") })
        let q = problems(spec(router: "{ kind: flag_servise, url: 'https://f' }"))
        #expect(q.contains { $0.contains("must be one of: builtin, file, command, nginx, flag_service, silent, parse_only") })
        let r = problems(spec(router: "{ kind: file, path: f.json }", source: "{ kind: cloudwatch }"))
        #expect(r.contains { $0.contains("must be one of: observations, prometheus, counts_only; got 'cloudwatch'") })
    }

    @Test func aKindThatFailsSilentlyStillFailsTheSpec() {
        let p = problems(spec(router: "{ kind: silent }"))
        #expect(p.count == 1 && p[0].contains("settings for kind 'silent' could not be read"))
    }

    @Test func aSourceKindSeesTheCanarysMetrics() {
        let p = problems(spec(router: "{ kind: file, path: f.json }", metric: "latency_p95, max_ratio: 1.2"))
        #expect(p.count == 2 && p.contains { $0.contains("canary.metrics_source") && $0.contains("latency_p95 cannot be judged") })
        // The default judge is sequential, which cannot judge an aggregate either: said, not skipped.
        #expect(p.contains { $0.contains("canary.metrics[0]") && $0.contains("the sequential judge reads only error counts from counts_only") })
        // With a source kind, an external router needs no meter; sim traffic is seen by no source.
        #expect(problems(spec(router: "{ kind: file, path: f.json }")).isEmpty)
        let sim = problems(spec(router: "builtin").replacingOccurrences(of: "source: external,", with: "source: sim, rate: 5,"))
        #expect(sim.contains { $0.contains("counts_only cannot see traffic source 'sim'") }, "\(sim)")
    }

    @Test func secretsAKindNamesAreCheckedBeforeTheRunAndMasked() throws {
        let s = try SpecLoader.parse(
            spec(router: "{ kind: flag_service, url: 'https://f', token_env: FLAG_TOKEN }"), file: "s.yaml", directory: directory, kinds: kinds)
        let missing = SecretPreflight.missing(s, environment: [:])
        #expect(missing == [SecretPreflight.Missing(field: "canary.router", variable: "FLAG_TOKEN")])
        #expect(SecretPreflight.missing(s, environment: [:], gatesOnly: true).isEmpty)
        let redactor = Redactor(environment: ["FLAG_TOKEN": "tok-0123456789"], named: s.secretVariables)
        #expect(redactor.redact("401 for tok-0123456789") == "401 for \(Redactor.mask)")
    }

    @Test func theAssemblyBuildsAKindsPartAndFailsClosedOnOneItCannotBuild() async throws {
        let s = try SpecLoader.parse(
            spec(router: "{ kind: flag_service, url: 'https://f' }"), file: "s.yaml", directory: directory, kinds: kinds)
        let redactor = Redactor(environment: [:], named: [])
        let canary = try #require(s.canary)
        let router = RunAssembly.router(canary.router, pipeline: s, environment: ["FLAG_TOKEN": "x"], redactor: redactor)
        #expect(router?.name == "flag_service" && router?.detail == "https://f with a token")
        let parseOnly = try #require(ParseOnlyRouter(nilReader))
        let unbuildable = try #require(RunAssembly.router(.kind(parseOnly), pipeline: s, environment: [:], redactor: redactor))
        await #expect(throws: RouterError.self) { try await unbuildable.setWeight(10) }
        let source = try #require(RunAssembly.metricSource(canary, pipeline: s, environment: [:], redactor: redactor))
        let readings = await source.read(stepStart: 0, now: 10, clock: VirtualClock())
        #expect(readings.requestsError?.contains("not built into this Rampart") == true)
    }

    /// A router whose checks refuse the start, and that records every weight it is asked for.
    final class RefusingRouter: TrafficRouter, @unchecked Sendable {
        private let lock = NSLock()
        private var asked: [Double] = []
        var weights: [Double] { lock.withLock { asked } }
        var name: String { "refusing" }
        var detail: String { "a router that will not start" }
        func prepare() async throws(RouterError) { throw RouterError("alias live points at version 9, not the baseline 1") }
        func setWeight(_ percent: Double) async throws(RouterError) { lock.withLock { asked.append(percent) } }
    }

    @Test func aRouterThatRefusesToStartEndsTheCanaryBeforeAnyTrafficMoves() async throws {
        var inputs = try RunAssembly.load(file: Paths.example("demo.yaml"))
        inputs.spec.notify = []
        let options = RunOptions(seed: 42, operator: "t")
        var parts = RunAssembly.parts(inputs: inputs, options: options)
        let router = RefusingRouter()
        parts.router = router
        let engine = Engine(inputs: inputs, clock: VirtualClock(), options: options, parts: parts)
        let outcome = await engine.run()
        #expect(outcome == .aborted)
        #expect(router.weights.isEmpty, "no weight was set: \(router.weights)")
        let failed = engine.bus.events.compactMap { if case .router(let r) = $0.body, !r.ok { r } else { nil } }
        #expect(failed.first?.error == "alias live points at version 9, not the baseline 1")
        let finished = engine.bus.events.compactMap { if case .finished(let f) = $0.body { f } else { nil } }.last
        #expect(finished?.reason.contains("the refusing router cannot start the canary") == true, "\(String(describing: finished))")
    }
}
