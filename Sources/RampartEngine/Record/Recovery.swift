import Foundation
import RampartCore

/// Puts a crashed run's traffic where its run file says it belongs: back on the baseline, or on
/// the candidate if the promotion was recorded before the process died. Then the run file gets
/// the outcome the process never wrote, the spec's channels are told, and the lock is released.
public enum Recovery {
    public struct Report: Sendable {
        public var lock: RunLock
        /// The weight the router was set to; nil when there was nothing outside the process to reset.
        public var weight: Double?
        public var reason: String
        /// Why recovery could not finish; the lock is kept so it can be tried again.
        public var error: String?
        public var notifications: [String] = []
    }

    /// `environment` holds what the spec's channels and router may read (a webhook's URL, secret
    /// values to mask): the CLI passes the process's.
    public static func recover(_ lock: RunLock, operator name: String, environment: [String: String]) async -> Report {
        var report = Report(lock: lock, weight: nil, reason: "")
        let inputs: PipelineInputs
        do {
            inputs = try RunAssembly.load(file: lock.specFile)
        } catch {
            report.error =
                "cannot read the run's spec \(lock.specFile) to rebuild its router: \(error.diagnostics.first.map { "\($0)" } ?? "invalid")"
            return report
        }
        let spec = inputs.spec
        let recording = try? RunFileCodec.read(file: lock.runFile, skipObservations: true)
        if recording?.outcome != nil {
            // The process recorded its end and died before releasing the lock: nothing to undo.
            lock.remove()
            report.reason = "the run had already recorded its outcome"
            return report
        }
        let promoted = recording.map(Self.promotionRecorded) ?? false
        let target = promoted ? 100.0 : 0.0
        let redactor = Redactor(environment: environment, named: spec.secretVariables)
        let aws = SharedAWS(environment: environment)
        if let canary = spec.canary,
            let router = RunAssembly.router(canary.router, pipeline: spec, environment: environment, redactor: redactor, aws: aws)
        {
            do {
                try await router.setWeight(target)
                try await router.settle(target)
                report.weight = target
            } catch {
                report.error =
                    "the \(router.name) router (\(router.detail)) could not be set to \(MetricFormat.percent(target)): \(error.message); TRAFFIC STATE UNKNOWN"
                return report
            }
        }
        let changed = lock.specSHA256 == inputs.specSHA256 ? "" : " (the spec changed since the run started; its router as it is now was used)"
        let moved =
            report.weight.map {
                promoted
                    ? "the promotion was recorded, so the candidate keeps \(MetricFormat.percent($0))"
                    : "traffic set back to the baseline (\(MetricFormat.percent($0)) to the candidate)"
            }
            ?? "its builtin proxy ended with the process; nothing outside it to reset"
        report.reason = "recovered after crash by \(name): pid \(lock.pid) ended without an outcome; \(moved)\(changed)"
        let t = recording?.events.last?.t ?? 0
        do {
            try RunRecorder.appendOutcome(
                RunOutcomeRecord(t: t, outcome: .aborted, reason: report.reason, finishedAt: Timestamp.now()), to: lock.runFile)
        } catch {
            report.error = "traffic is safe, but the run file could not be completed: \(error)"
            return report
        }
        report.notifications = await notifyAborted(
            spec, reason: report.reason, runFile: lock.runFile, environment: environment, aws: aws, redactor: redactor)
        lock.remove()
        return report
    }

    /// Tells the spec's channels that listen for `aborted` that a recovery ended the run; one
    /// line per channel, "sent" or the (redacted) failure.
    static func notifyAborted(
        _ spec: PipelineSpec, reason: String, runFile: String?, environment: [String: String], aws: SharedAWS, redactor: Redactor
    ) async -> [String] {
        await notify(spec, .aborted, reason: reason, runFile: runFile, environment: environment, aws: aws, redactor: redactor)
    }

    /// Tells the spec's channels that listen for `outcome` how a run ended after its process
    /// had gone; one line per channel, "sent" or the (redacted) failure.
    static func notify(
        _ spec: PipelineSpec, _ outcome: RunOutcome, reason: String, runFile: String?, environment: [String: String], aws: SharedAWS,
        redactor: Redactor
    ) async -> [String] {
        let trigger = outcome.trigger
        let payload = NotificationPayload(
            pipeline: spec.name, event: trigger, outcome: outcome, reason: reason, candidate: spec.candidate.label,
            baseline: spec.baseline.label, runFile: runFile, time: Timestamp.now())
        var lines: [String] = []
        for channel in RunAssembly.notifiers(spec, environment: environment, aws: aws)
        where channel.spec.on.isEmpty || channel.spec.on.contains(trigger) {
            let error = await channel.notifier.send(payload)
            lines.append("\(channel.notifier.channel): " + (error.map { "FAILED: \(redactor.redact($0))" } ?? "sent"))
        }
        return lines
    }

    /// The run had promoted: the promote stage passed, or the weight reached 100 % by promotion.
    static func promotionRecorded(_ r: RunFileCodec.Recording) -> Bool {
        r.events.contains { e in
            switch e.body {
            case .stage(let s): s.stage == StageName.promote && s.state == .passed
            case .weight(let w): w.to >= 100 && w.reason == "promoted"
            default: false
            }
        }
    }
}
