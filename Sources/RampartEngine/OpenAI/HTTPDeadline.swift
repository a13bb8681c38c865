import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A URLSession request against a deadline. A request's `timeoutInterval` is an idle timeout,
/// and on Linux a server that accepts and then says nothing held a request for as long as it
/// liked; a gate call, an analysis or a notification must not wait on it.
enum HTTPDeadline {
    /// Throws `URLError(.timedOut)` when nothing has come back within `seconds`.
    static func data(for request: URLRequest, within seconds: Double, session: URLSession = .shared) async throws -> (Data, URLResponse) {
        try await withThrowingTaskGroup(of: (Data, URLResponse).self) { group in
            group.addTask { try await session.data(for: request) }
            group.addTask {
                try await Task.sleep(for: .seconds(seconds))
                throw URLError(.timedOut)
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
