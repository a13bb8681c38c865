import Foundation
import RampartCore
import Synchronization

/// Open-loop synthetic traffic: Poisson arrivals at a set rate, each a chat completion whose
/// prompt is drawn from the golden dataset, sent whether or not earlier ones have answered (a
/// closed loop would slow down with a slow candidate and hide the very latency it should show).
///
/// Requests are tagged `x-rampart-synthetic` and carry the item id for online scoring, and a
/// user id from a fixed population so sticky routing has something to stick to.
public final class LoadGenerator: Sendable {
    public struct Stats: Sendable, Equatable {
        public var sent = 0
        public var answered = 0
        /// Transport failures talking to the proxy itself (not upstream errors, which it answers).
        public var failed = 0
        /// Arrivals not sent because too many requests were already in flight.
        public var shed = 0
    }

    private let target: HTTPEndpoint
    /// Path prefix of the target (`/openai` for `http://host/openai/v1`).
    private let pathPrefix: String
    private let items: [GoldenItem]
    /// Each item's request body, encoded once: the prompt does not change between sends.
    private let bodies: [[UInt8]]
    private let rate: Double
    private let users: Int
    private let maxInFlight: Int
    private let timeout: Double
    private let rng: Mutex<SeededRandom>
    private let state = Mutex<(stats: Stats, inFlight: Int)>((Stats(), 0))
    /// What a real gateway needs from the requests: a model name, headers (its key among them,
    /// never logged), and whether answers are streamed.
    private let model: String
    private let headers: [(name: String, value: String)]
    private let stream: Bool

    public init(
        target: HTTPEndpoint, pathPrefix: String = "", items: [GoldenItem], rate: Double, seed: UInt64, users: Int = 2000, maxInFlight: Int = 4096,
        timeout: Double = 60, model: String = "rampart-load", headers: [(name: String, value: String)] = [], stream: Bool = false
    ) {
        self.model = model
        self.headers = headers
        self.stream = stream
        self.target = target
        self.pathPrefix = pathPrefix
        self.items = items
        self.bodies = items.map { item in
            OpenAIWire.encode(OpenAIWire.ChatRequest(model: model, messages: [.init(role: "user", content: item.input)], stream: stream ? true : nil))
        }
        self.rate = rate
        self.users = users
        self.maxInFlight = maxInFlight
        self.timeout = timeout
        self.rng = Mutex(SeededRandom(seed: seed, stream: "load"))
    }

    public var stats: Stats { state.withLock { $0.stats } }

    /// Sends until the task is cancelled. Arrival times are kept on an absolute schedule, so
    /// scheduling jitter does not lower the rate.
    public func run() async {
        guard !items.isEmpty, rate > 0 else { return }
        let clock = ContinuousClock()
        var next = clock.now
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled {
                let (gap, index, user) = rng.withLock { r -> (Double, Int, Int) in
                    (r.exponential(rate: rate), r.index(below: items.count), r.index(below: users))
                }
                next = next.advanced(by: .microseconds(Int64(gap * 1e6)))
                if next > clock.now {
                    do { try await clock.sleep(until: next) } catch { break }
                }
                let admitted = state.withLock { s -> Bool in
                    guard s.inFlight < maxInFlight else { s.stats.shed += 1; return false }
                    s.inFlight += 1
                    s.stats.sent += 1
                    return true
                }
                guard admitted else { continue }
                group.addTask { [self] in await self.send(index, user: user) }
            }
            group.cancelAll()
        }
    }

    private func send(_ index: Int, user: Int) async {
        let item = items[index]
        let request = HTTPRequestMessage(
            method: "POST", uri: pathPrefix + "/v1/chat/completions",
            headers: [
                ("Content-Type", "application/json"), ("x-rampart-synthetic", "1"), ("x-rampart-item", item.id),
                ("x-user-id", "user-\(user)"),
            ] + headers,
            body: bodies[index])
        var ok: Bool
        if stream {
            do {
                let answer = try await target.stream(request, timeout: timeout)
                for try await _ in answer.parts {}
                ok = true
            } catch {
                ok = false
            }
        } else {
            ok = (try? await target.send(request, timeout: timeout)) != nil
        }
        state.withLock { s in
            s.inFlight -= 1
            if ok { s.stats.answered += 1 } else { s.stats.failed += 1 }
        }
    }
}
