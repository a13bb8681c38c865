import Foundation

/// Blocking work in tests (waiting for a child process, a blocking `recv`) on a thread of its
/// own: never on the cooperative pool (two threads here), and never on the global dispatch
/// queue, whose few threads the process's libraries need (swift-subprocess starts processes
/// there; a suite that parked CLI runs on it delayed a process start by 90 s).
public enum OwnThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread { c.resume(with: Result { try body() }) }
        }
    }

    public static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { c in
            Thread.detachNewThread { c.resume(returning: body()) }
        }
    }
}
