import Foundation
import RampartCore

/// Puts traffic back for a run that left no lock where recovery runs: its machine is gone (a
/// CodeBuild container stopped mid-canary, a runner that was replaced). Nothing records how far
/// that run got, so the router's own store is asked (`TrafficRouter.current`): a split canary
/// goes back to the baseline, a finished promotion (the candidate alone) stays, and a router
/// that cannot read its state back is set to the baseline, as the operator asked.
public enum UnlockedRecovery {
    public struct Report: Sendable {
        /// The candidate's share found, when the router could read it.
        public var found: Double?
        /// The weight set, when one was.
        public var weight: Double?
        public var reason: String
        /// Why recovery did not finish: traffic is where `found` says, or unknown.
        public var error: String?
        public var problem: Problem?
        public var notifications: [String] = []
    }

    /// What kept recovery from finishing.
    public enum Problem: Sendable {
        /// A run is live here, or a crashed one left its lock: nothing was touched.
        case refused
        /// The spec cannot be read: nothing was touched.
        case invalidSpec
        /// The router could not be read or set: traffic may be anywhere.
        case router
    }

    /// `specFile`'s router, read and (where a canary was split) set to 0 %. Refused while a run
    /// is live here, or a crashed one left its lock (`rampart recover` completes its record).
    public static func recover(specFile: String, operator name: String, environment: [String: String]) async -> Report {
        var report = Report(found: nil, weight: nil, reason: "")
        if let live = RunLock.all().first(where: \.isAlive) {
            report.problem = .refused
            report.error = "a run is live here (pid \(live.pid), \(live.specFile)): stop it (it rolls back) instead of recovering under it"
            return report
        }
        if let crashed = RunLock.crashed().first {
            report.problem = .refused
            report.error = "a crashed run left its lock here (\(crashed.runFile)): `rampart recover` puts its traffic back and completes its record"
            return report
        }
        let inputs: PipelineInputs
        do {
            inputs = try RunAssembly.load(file: specFile)
        } catch {
            report.problem = .invalidSpec
            report.error = "cannot read \(specFile) to rebuild its router: \(error.diagnostics.first.map { "\($0)" } ?? "invalid")"
            return report
        }
        let spec = inputs.spec
        let redactor = Redactor(environment: environment, named: spec.secretVariables)
        let aws = SharedAWS(environment: environment)
        guard let canary = spec.canary,
            let router = RunAssembly.router(canary.router, pipeline: spec, environment: environment, redactor: redactor, aws: aws)
        else {
            report.reason = "nothing to recover: \(specFile) has no router outside Rampart's process (its builtin proxy ends with the process)"
            return report
        }
        do {
            report.found = try await router.current()
        } catch {
            report.problem = .router
            report.error = "the \(router.name) router (\(router.detail)) cannot say where traffic is: \(error.message); TRAFFIC STATE UNKNOWN"
            return report
        }
        switch report.found {
        case .some(let w) where w <= 0:
            report.reason = "nothing to recover: the \(router.name) router (\(router.detail)) sends all traffic to the baseline"
            return report
        case .some(let w) where w >= 100:
            report.reason =
                "nothing to recover: the \(router.name) router (\(router.detail)) sends all traffic to the candidate, a finished promotion; left as it is"
            return report
        default:
            break
        }
        do {
            try await router.setWeight(0)
            try await router.settle(0)
            report.weight = 0
        } catch {
            report.problem = .router
            report.error = "the \(router.name) router (\(router.detail)) could not be set to 0%: \(error.message); TRAFFIC STATE UNKNOWN"
            return report
        }
        let was = report.found.map { "it was at \(MetricFormat.percent($0))" } ?? "it cannot read its state back"
        report.reason = "recovered by \(name) without a lock: the \(router.name) router (\(router.detail)) set back to the baseline; \(was)"
        report.notifications = await Recovery.notifyAborted(
            spec, reason: report.reason, runFile: nil, environment: environment, aws: aws, redactor: redactor)
        return report
    }
}
