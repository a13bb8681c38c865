import Foundation
import RampartCore

/// Takes back a promotion after its run ended: the run's router, rebuilt from its spec, sends
/// all traffic back to the baseline, the run file gets a `promotion_rollback` line with who and
/// why, and the spec's channels hear `rolled_back`. The dashboard offers it when a run promotes
/// under an open rollback dialog; `rampart rollback RUN` does it from a shell.
///
/// Everything that could make "the baseline" mean something else than it did for that run is
/// refused before any traffic moves: a spec edited since (its router may now name other
/// versions), a later run of the same spec that moved traffic, a live or crashed run of it, a
/// router whose state says someone already moved traffic. A refusal touches nothing.
public enum PromotionRollback {
    public struct Report: Sendable {
        /// What was done, or why nothing was.
        public var reason = ""
        public var error: String?
        public var problem: Problem?
        /// The record appended to the run file, when the rollback went through.
        public var record: PromotionRollbackRecord?
        public var notifications: [String] = []
    }

    public enum Problem: Sendable, Equatable {
        /// Nothing to roll back, or not safely: nothing was touched.
        case refused
        /// The run file or its spec cannot be read: nothing was touched.
        case invalidInput
        /// The router could not be read (nothing was touched) or set (traffic may be anywhere).
        case router
        /// Traffic is on the baseline, but the run file could not record it.
        case cannotWrite
    }

    /// - Parameters:
    ///   - specFile: the spec to rebuild the router from; default the one the run file names
    ///     (relative paths are from where the run started).
    ///   - ownPID: the process asking, when it is the run's own (the dashboard after the run
    ///     ended): its lock is not someone else's live run.
    ///   - locks: where live runs keep their locks.
    public static func perform(
        runFile: String, operator name: String, reason: String?, environment: [String: String], specFile: String? = nil,
        ownPID: Int32? = nil, locks: String = RunLock.directory, now: Date = Date()
    ) async -> Report {
        var report = Report()
        func refuse(_ text: String, _ problem: Problem = .refused) -> Report {
            report.error = text
            report.problem = problem
            return report
        }
        let recording: RunFileCodec.Recording
        do {
            recording = try RunFileCodec.read(file: runFile, skipObservations: true)
        } catch {
            return refuse("cannot read the run file: \(error.diagnostics.first.map { "\($0)" } ?? "invalid")", .invalidInput)
        }
        let header = recording.header
        guard let outcome = recording.outcome else {
            return refuse(
                "\(runFile) has no outcome yet: a live run is steered with `rampart rollback` (no run file), a crashed one put right with `rampart recover`"
            )
        }
        guard outcome.outcome == .promoted else {
            return refuse(
                "the run ended \(outcome.outcome.rawValue.uppercased()), not promoted: its traffic went back to the baseline then; nothing to roll back"
            )
        }
        if let done = recording.promotionRollback {
            return refuse("the promotion was already rolled back: \(done.summary)")
        }
        if let why = obstacleInLocks(specFile: header.specFile, runFile: runFile, ownPID: ownPID, in: locks) { return refuse(why) }
        if let why = laterRun(than: recording, runFile: runFile) { return refuse(why) }

        let path = specFile ?? header.specFile
        let inputs: PipelineInputs
        do {
            inputs = try RunAssembly.load(file: path)
        } catch {
            let first = error.diagnostics.first.map { "\($0)" } ?? "invalid"
            return refuse(
                "cannot read the run's spec \(path) to rebuild its router: \(first) (relative paths are from where the run started; --spec names it)",
                .invalidInput)
        }
        guard inputs.specSHA256 == header.specSHA256 else {
            return refuse(
                "\(path) changed since the run (sha256 \(header.specSHA256.prefix(12)) then, \(inputs.specSHA256.prefix(12)) now): its router may now name other versions. Restore the spec as it was, or roll back at the router"
            )
        }
        let spec = inputs.spec
        guard let canary = spec.canary else { return refuse("the spec has no canary: the promotion moved no traffic (gates only)") }
        let redactor = Redactor(environment: environment, named: spec.secretVariables)
        let aws = SharedAWS(environment: environment)
        guard let router = RunAssembly.router(canary.router, pipeline: spec, environment: environment, redactor: redactor, aws: aws) else {
            return refuse(
                "the run used Rampart's builtin proxy: its traffic followed the process, which no longer splits it; point the app back at the baseline (\(spec.baseline.label)) where it is configured"
            )
        }
        let found: Double?
        do {
            found = try await router.current()
        } catch {
            return refuse("the \(router.name) router (\(router.detail)) cannot say where traffic is: \(error.message); nothing was changed", .router)
        }
        if let w = found, w < 100 {
            let now = w <= 0 ? "already sends all traffic to the baseline" : "has the candidate at \(MetricFormat.percent(w))"
            return refuse(
                "the \(router.name) router (\(router.detail)) \(now), not where the promotion left it: someone moved it since; check it by hand")
        }
        do {
            try await router.setWeight(0)
            try await router.settle(0)
        } catch {
            return refuse(
                "the \(router.name) router (\(router.detail)) could not be set to 0%: \(error.message); TRAFFIC STATE UNKNOWN: check it by hand",
                .router)
        }
        let record = PromotionRollbackRecord(
            t: offset(of: recording, at: now), operator: name, reason: reason.map(redactor.redact), at: Timestamp.iso(now),
            router: router.name, detail: redactor.redact(router.detail), from: found)
        report.record = record
        report.reason = record.summary
        do {
            try RunRecorder.appendPromotionRollback(record, to: runFile)
        } catch {
            return refuse("traffic is back on the baseline, but \(runFile) could not record it: \(error)", .cannotWrite)
        }
        report.notifications = await Recovery.notify(
            spec, .rolledBack, reason: record.summary, runFile: runFile, environment: environment, aws: aws, redactor: redactor)
        return report
    }

    /// A live run of the same spec is steered, not undone under it; a crashed one is recovered first.
    static func obstacleInLocks(specFile: String, runFile: String, ownPID: Int32?, in directory: String) -> String? {
        let spec = absolute(specFile)
        for lock in RunLock.all(in: directory) where lock.pid != ownPID {
            if !lock.isAlive {
                return "a crashed run left its lock here (\(lock.runFile)): `rampart recover` puts its traffic back first"
            }
            if absolute(lock.specFile) == spec || absolute(lock.runFile) == absolute(runFile) {
                return "a run of this spec is live (pid \(lock.pid), \(lock.runFile)): steer it with `rampart rollback` instead"
            }
        }
        return nil
    }

    /// A run of the same spec that started later and moved traffic owns the router now.
    static func laterRun(than recording: RunFileCodec.Recording, runFile: String) -> String? {
        let directory = (runFile as NSString).deletingLastPathComponent
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.isEmpty ? "." : directory)) ?? []
        let own = absolute(runFile)
        let spec = absolute(recording.header.specFile)
        for name in names.sorted() where name.hasSuffix(".jsonl") {
            let path = (directory as NSString).appendingPathComponent(name)
            guard absolute(path) != own, let other = try? RunFileCodec.read(file: path, skipObservations: true) else { continue }
            guard absolute(other.header.specFile) == spec, other.header.startedAt > recording.header.startedAt else { continue }
            let moved = other.events.contains { if case .weight(let w) = $0.body { w.to > 0 } else { false } }
            if moved {
                let ended = other.finalOutcome.map { "ended \($0.rawValue.uppercased())" } ?? "has not finished"
                return "a later run of this spec (\(path), \(ended)) has moved traffic since: the router no longer holds this promotion"
            }
        }
        return nil
    }

    /// Seconds since the run started, on the wall clock; never before the run's last event.
    static func offset(of recording: RunFileCodec.Recording, at now: Date) -> Double {
        let last = max(recording.outcome?.t ?? 0, recording.events.last?.t ?? 0)
        guard let start = TimestampText.parseISO8601(recording.header.startedAt) else { return last }
        let since = now.timeIntervalSince(start)
        return since.isFinite ? max(last, since) : last
    }

    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }
}
