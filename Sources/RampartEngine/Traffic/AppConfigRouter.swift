import Foundation
import RampartAWS
import RampartCore

/// `router: { kind: appconfig }`: the canary's share is a flag document (the `file` router's
/// schema, `{"canary_weight": 10, …}`) that the app's fleet reads from AWS AppConfig. Each
/// weight is a new hosted configuration version, deployed with `StartDeployment` on an
/// all-at-once strategy without bake, so Rampart owns the pace and AppConfig only carries the
/// flag. A deployment AppConfig rolls back, or one that does not complete in time, is a router
/// failure (the engine then deploys weight 0).
public struct AppConfigRouter: RouterKind, Equatable {
    public static let kind = "appconfig"
    public static let keys = [
        "application", "environment", "configuration_profile", "deployment_strategy", "region", "endpoint", "timeout", "deploy_timeout",
    ]

    /// IDs, as the AppConfig API takes them (`aws appconfig list-applications` shows them).
    public var application: String
    public var environment: String
    public var profile: String
    public var strategy: String
    public var region: String?
    public var endpoint: String?
    /// Each call's deadline.
    public var timeout: Double
    /// How long a deployment may take to reach COMPLETE.
    public var deployTimeout: Double

    public init?(_ s: SettingsReader) {
        let required = ["application", "environment", "configuration_profile", "deployment_strategy"]
        var ok = true
        for key in required where !s.require(key) { ok = false }
        guard ok, let a = s.string("application"), let e = s.string("environment"), let p = s.string("configuration_profile"),
            let d = s.string("deployment_strategy")
        else { return nil }
        for (key, id) in zip(required, [a, e, p, d]) where id.isEmpty || id.contains("/") || id.contains(where: \.isWhitespace) {
            s.error(key, "must be an AppConfig ID (no slashes or spaces), got '\(id)'")
        }
        application = a
        environment = e
        profile = p
        strategy = d
        region = s.awsRegion("region")
        endpoint = s.string("endpoint")
        timeout = s.duration("timeout", minimum: 0.1) ?? 10
        deployTimeout = s.duration("deploy_timeout", minimum: 1) ?? 120
    }

    public var summary: String { "AppConfig flag: application \(application), environment \(environment), profile \(profile)" }

    public func router(_ context: KindContext) -> any TrafficRouter {
        let aws = context.aws
        guard let region = aws.setup.region(region) else {
            return UnbuildableRouter(name: Self.kind, why: "no AWS region for AppConfig: set region in the router, or AWS_REGION")
        }
        let api = AppConfigAPI(
            client: aws.client(.appConfig, region: region, endpoint: endpoint, timeout: timeout), application: application,
            environment: environment, profile: profile)
        return Router(settings: self, api: api, baseline: context.pipeline.baseline.label, candidate: context.pipeline.candidate.label)
    }

    struct Router: TrafficRouter {
        var settings: AppConfigRouter
        var api: AppConfigAPI
        var baseline: String
        var candidate: String

        var name: String { AppConfigRouter.kind }
        var detail: String { "\(settings.application)/\(settings.environment)/\(settings.profile) in \(api.client.region)" }

        func prepare() async throws(RouterError) {
            do {
                try await check()
            } catch {
                throw RouterError(error.description)
            }
        }

        /// What `prepare` checks, failing with AppConfig's own words where it has them.
        func check() async throws(AppConfigAPI.Failure) {
            func refuse(_ why: String) -> AppConfigAPI.Failure { AppConfigAPI.Failure(description: why) }
            let (location, type) = try await api.profileDetails()
            guard location == "hosted" else {
                throw refuse("configuration profile \(settings.profile) is stored at \(location); Rampart writes hosted configurations only")
            }
            guard type == "AWS.Freeform" else {
                throw refuse("configuration profile \(settings.profile) is of type \(type); the flag document needs AWS.Freeform")
            }
            try await api.requireEnvironment()
            let pace = try await api.strategy(settings.strategy)
            guard pace.allAtOnce else {
                throw refuse(
                    "deployment strategy \(settings.strategy) deploys over \(pace.durationMinutes) min at \(WeightText.format(pace.growthFactor)) % a step and bakes \(pace.finalBakeMinutes) min; Rampart paces the canary itself and needs one that deploys at once without bake (duration 0, growth 100, final bake 0)"
                )
            }
            let deployments = try await api.deployments()
            if let moving = deployments.first, moving.inProgress {
                throw refuse(
                    "deployment \(moving.number) on environment \(settings.environment) is \(moving.state); wait for it or stop it before a canary")
            }
            guard let ours = deployments.first(where: { $0.profile == settings.profile && $0.complete }) else { return }
            let w: Double
            do {
                w = try await weight(in: ours)
            } catch {
                throw refuse("\(error) (deployed on \(settings.environment)); is this profile the app's canary flag?")
            }
            if w > 0 {
                throw refuse(
                    "environment \(settings.environment) already has canary_weight \(MetricFormat.percent(w)) deployed: another canary is live, or one crashed (`rampart recover`)"
                )
            }
        }

        /// The weight in the newest deployment of the profile that completed or is still moving
        /// (all at once, it will complete); 0 before any.
        func current() async throws(RouterError) -> Double? {
            do {
                let deployments = try await api.deployments()
                guard let newest = deployments.first(where: { $0.profile == settings.profile && ($0.complete || $0.inProgress) }) else { return 0 }
                return try await weight(in: newest)
            } catch {
                throw RouterError(error.description)
            }
        }

        /// The flag document's weight in the version a deployment deployed.
        func weight(in deployment: AppConfigAPI.Deployment) async throws(AppConfigAPI.Failure) -> Double {
            let version = deployment.configurationVersion
            let document = try await api.content(ofVersion: version)
            switch FlagDocument.weight(in: Data(document), source: "version \(version) of profile \(settings.profile)") {
            case .success(let w): return w
            case .failure(let problem): throw AppConfigAPI.Failure(description: problem.message)
            }
        }

        func setWeight(_ percent: Double) async throws(RouterError) {
            do {
                try await deploy(percent)
            } catch {
                throw RouterError(error.description)
            }
        }

        /// A new version holding the weight, deployed and waited for.
        func deploy(_ percent: Double) async throws(AppConfigAPI.Failure) {
            let deadline = ContinuousClock.now.advanced(by: .seconds(settings.deployTimeout))
            var newest = try await api.deployments().first
            // A deployment still moving (this process's last one, or a crashed run's) blocks the
            // environment; it deploys at once, so wait for it, and stop it if it does not end.
            if let moving = newest, moving.inProgress {
                newest = try await wait(moving.number, until: deadline)
                if let still = newest, still.inProgress {
                    try await api.stop(still.number)
                    newest = try await api.deployment(still.number)
                }
            }
            let weight = WeightText.format(percent)
            let document = FlagDocument(canaryWeight: percent, baseline: baseline, candidate: candidate, updatedAt: Timestamp.now())
            let note = "rampart: canary_weight \(weight)"
            let version = try await api.createVersion(document.encoded(), description: note)
            let started = try await api.start(version: version, strategy: settings.strategy, after: newest?.number, description: note)
            let end = try await wait(started.number, until: deadline)
            if end.complete {
                guard end.configurationVersion == version else {
                    throw AppConfigAPI.Failure(
                        description: "deployment \(end.number) reads back version \(end.configurationVersion) after Rampart deployed \(version)")
                }
                return
            }
            if end.undone {
                let why = end.lastEvent.map { ": \($0)" } ?? ""
                throw AppConfigAPI.Failure(
                    description:
                        "AppConfig rolled back deployment \(end.number) (version \(version), canary_weight \(weight)) on \(settings.environment)\(why)"
                )
            }
            try? await api.stop(end.number)
            throw AppConfigAPI.Failure(
                description:
                    "deployment \(end.number) (version \(version), canary_weight \(weight)) was still \(end.state) after \(DurationText.format(settings.deployTimeout)); stopped, so AppConfig puts the previous version back"
            )
        }

        /// Polls `GetDeployment` until it ends or `deadline` passes; the last state seen.
        func wait(_ number: Int, until deadline: ContinuousClock.Instant) async throws(AppConfigAPI.Failure) -> AppConfigAPI.Deployment {
            var pause = 0.1
            while true {
                let d = try await api.deployment(number)
                if !d.inProgress || ContinuousClock.now >= deadline { return d }
                try? await Task.sleep(for: .seconds(min(pause, max(0.01, (deadline - ContinuousClock.now) / .seconds(1)))))
                pause = min(pause * 2, 2)
            }
        }
    }
}
