import Foundation
import Testing

@testable import RampartCore

/// The pure parts of failing closed: which failures are retried and how long to wait, when an
/// endpoint is not asked again, when a gate is ERROR, when canary evidence is broken, and which
/// secrets a run needs before it sends anything.
struct RetryPolicyTests {
    @Test(arguments: [408, 409, 429, 500, 502, 503, 504, 599])
    func transientStatusesAreRetried(_ status: Int) {
        let f = RequestFailure.http(status: status, message: "x")
        #expect(f.retryable)
        #expect(RetryPolicy(retries: 2).delay(after: f, attempt: 0, jitter: 0.5) != nil)
    }

    @Test(arguments: [400, 401, 403, 404, 413, 422])
    func requestsThatCannotSucceedAreNeverRetried(_ status: Int) {
        let f = RequestFailure.http(status: status, message: "x")
        #expect(!f.retryable)
        #expect(RetryPolicy(retries: 5).delay(after: f, attempt: 0, jitter: 0.5) == nil)
    }

    @Test func kindsAndExitClasses() {
        #expect(RequestFailure.http(status: 401, message: "").kind == .unauthorized)
        #expect(RequestFailure.http(status: 403, message: "").refusesService)
        #expect(RequestFailure.http(status: 404, message: "").kind == .notFound)
        #expect(RequestFailure.http(status: 429, message: "").kind == .rateLimited)
        #expect(RequestFailure.http(status: 503, message: "").kind == .server)
        #expect(RequestFailure(.unreachable, message: "").refusesService && RequestFailure(.unreachable, message: "").retryable)
        #expect(!RequestFailure(.timeout, message: "").refusesService)
        #expect(RequestFailure(.missingKey, message: "").refusesService && !RequestFailure(.missingKey, message: "").retryable)
    }

    @Test func backoffDoublesWithJitterAndIsCapped() {
        let p = RetryPolicy(retries: 10, base: 0.5, cap: 30)
        let server = RequestFailure.http(status: 500, message: "")
        #expect(p.delay(after: server, attempt: 0, jitter: 0) == 0.25)
        #expect(p.delay(after: server, attempt: 0, jitter: 1) == 0.5)
        #expect(p.delay(after: server, attempt: 3, jitter: 1) == 4)
        #expect(p.delay(after: server, attempt: 9, jitter: 1) == 30)
        #expect(p.delay(after: server, attempt: 10, jitter: 1) == nil, "the attempts are bounded")
        #expect(p.maxAttempts == 11)
    }

    @Test func retryAfterIsHonouredWithinReason() {
        let p = RetryPolicy(retries: 3)
        #expect(p.delay(after: .http(status: 429, message: "", retryAfter: 7), attempt: 0, jitter: 0.9) == 7)
        #expect(p.delay(after: .http(status: 429, message: "", retryAfter: 45), attempt: 0, jitter: 0) == 30, "capped")
        #expect(
            p.delay(after: .http(status: 429, message: "", retryAfter: 3600), attempt: 0, jitter: 0) == nil, "an hour is a failure now, not a wait")
        #expect(RetryPolicy.retryAfter("12") == 12)
        #expect(RetryPolicy.retryAfter(" 0 ") == 0)
        #expect(RetryPolicy.retryAfter("soon") == nil)
        #expect(RetryPolicy.retryAfter("-3") == nil)
        let now = Date(timeIntervalSince1970: 1_445_412_480)  // Wed, 21 Oct 2015 07:28:00 GMT
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now: now) == 30)
        #expect(RetryPolicy.retryAfter("Wed, 21 Oct 2015 07:27:00 GMT", now: now) == 0)
    }
}

struct EarlyStopTests {
    let refused = RequestFailure.http(status: 401, message: "Authentication Error, request id 1")

    @Test func fiveIdenticalFailuresStopTheEndpoint() {
        var s = EarlyStop(after: 5)
        for i in 0..<4 {
            s.record(.http(status: 401, message: "Authentication Error, request id \(i)"))
            #expect(s.tripped == nil)
        }
        s.record(refused)
        #expect(s.tripped?.status == 401)
        let held = s.notSent("the candidate's endpoint")
        #expect(held?.kind == .notSent && held?.status == 401)
        #expect(held?.message.contains("failed its first 5 requests the same way (HTTP 401: Authentication Error") == true)
    }

    @Test func oneAnswerDisarmsItForGood() {
        var s = EarlyStop(after: 2)
        s.record(refused)
        s.record(nil)
        for _ in 0..<10 { s.record(refused) }
        #expect(s.tripped == nil)
    }

    @Test func mixedFailuresAreLeftToTheRetryPolicy() {
        var s = EarlyStop(after: 2)
        s.record(.http(status: 500, message: ""))
        s.record(.http(status: 429, message: ""))
        for _ in 0..<10 { s.record(.http(status: 500, message: "")) }
        #expect(s.tripped == nil)
        #expect(s.notSent("x") == nil)
    }

    @Test func heldBackRequestsDoNotCount() {
        var s = EarlyStop(after: 2)
        s.record(RequestFailure(.notSent, message: ""))
        s.record(refused)
        #expect(s.tripped == nil)
    }
}

struct GateErrorVerdictTests {
    func result(errors: GateErrors?, verdicts: [GateVerdict] = [.pass], blocks: Bool = true) -> GateResult {
        let checks = verdicts.map { v -> GateCheck in
            var c = GateCheck(
                threshold: "min_score", measure: "m", candidate: 0.9, baseline: nil, interval: Interval(low: 0.85, high: 0.95), method: "x", n: 10,
                limit: 0.8, comparison: .atLeast)
            c.verdict = v
            return c
        }
        var r = GateResult(name: "g", kind: .golden, items: 10, candidateErrors: 0, baselineErrors: 0, checks: checks, blocksWhenInconclusive: blocks)
        r.errors = errors
        return r
    }

    func errors(_ items: Int, of: Int, limit: Double?) -> GateErrors {
        GateErrors(
            items: items, of: of, candidateRequests: items, baselineRequests: 0, first: .http(status: 500, message: "boom"), variant: .candidate,
            limit: limit, refusesService: false)
    }

    @Test func anyErrorWithoutALimitIsErrorWhateverTheChecksSay() {
        let r = result(errors: errors(1, of: 60, limit: nil))
        #expect(r.verdict == .error)
        #expect(!r.passed)
        #expect(
            !result(errors: errors(1, of: 60, limit: nil), verdicts: [.inconclusive], blocks: false).passed,
            "on_inconclusive: pass never lets an error through")
    }

    @Test func aLimitJudgesTheAnsweredItemsAndSaysHowManyErrored() {
        #expect(result(errors: errors(3, of: 60, limit: 0.05)).verdict == .pass)
        #expect(result(errors: errors(3, of: 60, limit: 0.05), verdicts: [.fail]).verdict == .fail)
        #expect(result(errors: errors(4, of: 60, limit: 0.05)).verdict == .error, "4/60 > 5%")
        #expect(result(errors: errors(10, of: 10, limit: 0.5)).verdict == .error, "nothing left to judge")
        #expect(errors(3, of: 60, limit: 0.05).summary == "3 of 60 items errored, 5% allowed; first: candidate HTTP 500: boom")
    }

    @Test func errorBeatsEveryOtherVerdict() {
        #expect(GateVerdict.combine([.pass, .fail, .error, .inconclusive]) == .error)
        #expect(GateVerdict.combine([.pass, .fail, .inconclusive]) == .fail)
    }

    @Test func errorsSurviveTheRunFile() throws {
        var e = errors(2, of: 60, limit: nil)
        e.notSent = 1
        let r = result(errors: e)
        let data = try RunFileCodec.encoder().encode(r)
        let back = try JSONDecoder().decode(GateResult.self, from: data)
        #expect(back == r)
        #expect(back.verdict == .error)
        // A recording from before errors were recorded reads as it did.
        let old = #"{"name":"g","kind":"golden","items":3,"candidate_errors":0,"baseline_errors":0,"checks":[]}"#
        #expect(try JSONDecoder().decode(GateResult.self, from: Data(old.utf8)).errors == nil)
    }

    @Test func junitCountsErrorsApartFromFailures() {
        var r = result(errors: errors(1, of: 2, limit: nil))
        r.items = 2
        var bad = ItemOutcome(id: "i1", candidate: 0, baseline: 0, passed: false, detail: "ERROR", sample: nil)
        bad.error = "HTTP 500: boom <&>"
        bad.errorKind = .server
        let good = ItemOutcome(id: "i2", candidate: 1, baseline: 1, passed: true, detail: nil, sample: nil)
        let xml = EvalReports.junit(pipeline: "p", reports: [GateReport(result: r, items: [bad, good])])
        #expect(xml.contains(#"<testsuites name="rampart eval p" tests="3" failures="0" errors="2" time="0.000">"#))
        #expect(xml.contains(#"<error message="ERROR: 1 of 2 items errored; first: candidate HTTP 500: boom" type="server"/>"#))
        #expect(xml.contains(#"<error message="HTTP 500: boom &lt;&amp;&gt;" type="server"/>"#))
        #expect(!xml.contains("<failure"))
    }
}

struct EvidenceGuardTests {
    /// A tick in which the baseline fails above the guard's rate is shared trouble; the
    /// candidate's own failures never make one, and too few baseline requests say nothing.
    @Test func aFailingBaselineMarksSharedTrouble() {
        func tick(baseline: (ok: Int, failed: Int), candidateFailed: Int = 0, clientErrors: Int = 0) -> [Observation] {
            func o(_ v: Variant, _ failed: Bool, status: Int? = nil) -> Observation {
                Observation(
                    variant: v, latencyMs: 100, status: status ?? (failed ? 500 : 200), failed: failed, promptTokens: 1, completionTokens: 1, cost: 0)
            }
            return Array(repeating: o(.baseline, false), count: baseline.ok) + Array(repeating: o(.baseline, true), count: baseline.failed)
                + Array(repeating: o(.candidate, true), count: candidateFailed)
                + Array(repeating: o(.baseline, false, status: 429), count: clientErrors)
        }
        let settings = EvidenceGuard.Settings()  // above 20 % of at least 5 requests
        #expect(EvidenceGuard.baselineFailing(tick(baseline: (7, 3)), settings: settings))
        #expect(!EvidenceGuard.baselineFailing(tick(baseline: (8, 2)), settings: settings), "20 % is not above 20 %")
        #expect(!EvidenceGuard.baselineFailing(tick(baseline: (3, 1)), settings: settings), "4 requests say nothing")
        #expect(!EvidenceGuard.baselineFailing(tick(baseline: (10, 0), candidateFailed: 10), settings: settings), "the candidate alone")
        #expect(
            !EvidenceGuard.baselineFailing(tick(baseline: (8, 2), clientErrors: 5), settings: settings), "a client error is no failure of the version"
        )
        var off = settings
        off.enabled = false
        #expect(!EvidenceGuard.baselineFailing(tick(baseline: (0, 10)), settings: off))
    }

    func observe(_ g: inout EvidenceGuard, _ v: Variant, ok: Int, failed: Int, status: Int = 500) {
        for _ in 0..<ok { g.observe(Observation(variant: v, latencyMs: 10)) }
        for _ in 0..<failed { g.observe(Observation(variant: v, latencyMs: 10, status: status, failed: status >= 500)) }
    }

    @Test func bothArmsFailingIsBrokenEvidenceUntilTheyRecover() {
        var g = EvidenceGuard()
        observe(&g, .baseline, ok: 5, failed: 5)
        observe(&g, .candidate, ok: 1, failed: 2)
        guard case .broken(let reason, 1, false) = g.check() else { Issue.record("expected broken, in part"); return }
        #expect(reason == "both arms fail above 20% (baseline 5 of 10 failed, candidate 2 of 3 failed)")
        observe(&g, .baseline, ok: 0, failed: 4)
        observe(&g, .candidate, ok: 0, failed: 1)
        #expect(
            g.check()
                == .broken(
                    reason: "not one successful request in the interval (baseline 4 of 4 failed, candidate 1 of 1 failed)", intervals: 2, total: true)
        )
        observe(&g, .baseline, ok: 9, failed: 1)
        observe(&g, .candidate, ok: 1, failed: 0)
        #expect(g.check() == .healthy)
        #expect(g.consecutive == 0)
    }

    @Test func refusedRequestsAreNoEvidenceEither() {
        var g = EvidenceGuard()
        observe(&g, .baseline, ok: 0, failed: 6, status: 401)
        observe(&g, .candidate, ok: 0, failed: 1, status: 401)
        guard case .broken(let reason, _, true) = g.check() else { Issue.record("a 401 storm is broken evidence, wholly"); return }
        #expect(reason.hasPrefix("not one successful request"))
    }

    @Test func oneArmFailingIsTheJudgesCallNotTheGuards() {
        var g = EvidenceGuard()
        observe(&g, .baseline, ok: 50, failed: 0)
        observe(&g, .candidate, ok: 0, failed: 10)
        #expect(g.check() == .healthy)
    }

    @Test func tooFewRequestsOrNoneSayNothing() {
        var g = EvidenceGuard()
        #expect(g.check() == .quiet)
        observe(&g, .baseline, ok: 1, failed: 1)
        observe(&g, .candidate, ok: 0, failed: 1)
        #expect(g.check() == .healthy, "3 requests are below min_requests for the rate rule")
        var off = EvidenceGuard(
            settings: {
                var s = EvidenceGuard.Settings(); s.enabled = false; return s
            }())
        observe(&off, .baseline, ok: 0, failed: 9)
        #expect(off.check() == .quiet)
    }

    @Test func backendCountsFeedTheSameRules() {
        var g = EvidenceGuard()
        g.add(.baseline, requests: 100, failures: 90)
        g.add(.candidate, requests: 10, failures: 9)
        guard case .broken = g.check() else { Issue.record("expected broken"); return }
    }
}

struct SequentialJudgeSilenceTests {
    /// Both arms failing every request look "equal" on the error rate; that is not evidence of
    /// non-inferiority, and the judge must not call it so.
    @Test func aMetricWithNoSuccessfulRequestIsNeverNonInferior() {
        let spec = CanarySpec(
            traffic: TrafficSpec(rate: 10, dataset: "d"), steps: [CanaryStep(weight: 50, bake: 10)],
            metrics: [MetricCheck(metric: .errorRate, maxIncrease: 0.05), MetricCheck(metric: .latencyP50, maxRatio: 1.2)], minSamples: 10)
        var judge = SequentialJudge(spec: spec)
        judge.startStep(0, weight: 50, at: 0)
        for i in 0..<2000 {
            judge.observe(
                Observation(variant: i % 2 == 0 ? .baseline : .candidate, latencyMs: 100, status: 502, failed: true), weight: 50, at: Double(i) / 100)
        }
        let a = judge.analyze(
            step: 0, at: 20, baseline: ArmMetrics(requests: 1000, errors: 1000), candidate: ArmMetrics(requests: 1000, errors: 1000))
        #expect(a.decision == .continue)
        #expect(a.ready == false)
        #expect(a.results.allSatisfy { $0.status != .nonInferior })
        #expect(a.reason.contains("no successful request from the baseline"))
    }
}

struct SSEAccumulatorTests {
    @Test func readsTextUsageAndTheEndAcrossArbitrarySplits() {
        let stream = """
            data: {"choices":[{"index":0,"delta":{"role":"assistant","content":"Thirty"}}]}\r\n\r\n\
            data: {"choices":[{"index":0,"delta":{"content":" days."}}]}\n\n\
            : keep-alive comment\n\n\
            data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":8,"completion_tokens":3}}\n\n\
            data: [DONE]\n\n
            """
        let bytes = Array(stream.utf8)
        for size in [1, 2, 7, 64, bytes.count] {
            var sse = SSEAccumulator()
            var firsts = 0
            var i = 0
            while i < bytes.count {
                if sse.feed(Array(bytes[i..<min(bytes.count, i + size)])) { firsts += 1 }
                i += size
            }
            #expect(sse.text == "Thirty days.", "split \(size)")
            #expect(sse.promptTokens == 8 && sse.completionTokens == 3 && sse.hasUsage)
            #expect(sse.done && sse.isValidAnswer && sse.events == 3)
            #expect(firsts == 1, "the first content is reported once")
        }
    }

    @Test func anErrorEventOrNothingAtAllIsNoAnswer() {
        var broken = SSEAccumulator()
        broken.feed(Array(#"data: {"error":{"message":"upstream overloaded"}}"#.utf8) + [10, 10])
        #expect(broken.error == "upstream overloaded" && !broken.isValidAnswer)
        var empty = SSEAccumulator()
        empty.feed(Array("data: [DONE]\n\n".utf8))
        #expect(!empty.isValidAnswer)
    }
}

struct SecretPreflightTests {
    func spec() throws -> PipelineSpec {
        var s = try SpecLoader.load(file: Paths.example("demo.yaml"))
        s.candidate.provider = .openai
        s.candidate.openai = OpenAIVariantSpec(endpoint: EndpointSpec(baseURL: "http://127.0.0.1:1/v1", model: "m", apiKeyEnv: "CAND_KEY"))
        s.notify = [NotifySpec(kind: .webhook(url: "HOOK_URL", fromEnvironment: true, timeout: 5, retries: 0), on: [])]
        return s
    }

    @Test func namesEveryUnsetSecretBeforeAnythingRuns() throws {
        let missing = SecretPreflight.missing(try spec(), environment: ["CAND_KEY": ""])
        #expect(
            missing.map(\.description) == [
                "candidate.openai.api_key_env names CAND_KEY, which is not set in the environment",
                "notify[0].url_env names HOOK_URL, which is not set in the environment",
            ])
        #expect(SecretPreflight.missing(try spec(), environment: ["CAND_KEY": "k"], gatesOnly: true).isEmpty, "eval needs no webhook")
        #expect(SecretPreflight.missing(try spec(), environment: ["CAND_KEY": "k", "HOOK_URL": "https://x"]).isEmpty)
    }
}
