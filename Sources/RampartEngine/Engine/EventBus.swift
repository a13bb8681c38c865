import RampartCore
import Synchronization

/// Fans the engine's events out to every consumer.
///
/// Sinks run synchronously inside `publish`, before any async subscriber sees the event: the
/// recorder is a sink, so an event is on disk before it is on screen, and a crash cannot lose a
/// decision that was already shown. Subscribers get their own unbounded `AsyncStream`.
public final class EventBus: Sendable {
    private struct State {
        var sinks: [@Sendable (RunEvent) -> Void] = []
        var continuations: [AsyncStream<RunEvent>.Continuation] = []
        var history: [RunEvent] = []
        var finished = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds a synchronous consumer. Add sinks before the run starts.
    public func addSink(_ sink: @escaping @Sendable (RunEvent) -> Void) {
        state.withLock { $0.sinks.append(sink) }
    }

    /// A stream of every event from now on (or from the start, with `replay`), ending when the run ends.
    public func subscribe(replay: Bool = true) -> AsyncStream<RunEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: RunEvent.self, bufferingPolicy: .unbounded)
        state.withLock { s in
            if replay { for e in s.history { continuation.yield(e) } }
            if s.finished {
                continuation.finish()
            } else {
                s.continuations.append(continuation)
            }
        }
        return stream
    }

    public func publish(_ event: RunEvent) {
        let (sinks, continuations) = state.withLock { s in
            s.history.append(event)
            return (s.sinks, s.continuations)
        }
        for sink in sinks { sink(event) }
        for c in continuations { c.yield(event) }
    }

    public func finish() {
        let continuations = state.withLock { s in
            s.finished = true
            defer { s.continuations.removeAll() }
            return s.continuations
        }
        for c in continuations { c.finish() }
    }

    /// Every event published so far.
    public var events: [RunEvent] { state.withLock { $0.history } }
}
