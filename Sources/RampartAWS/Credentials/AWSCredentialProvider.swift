import Foundation

/// The credentials every AWS call of a run signs with. The first source in the chain that has
/// credentials is kept for the whole run (as the AWS SDKs do); temporary credentials are fetched
/// again from it `refreshMargin` seconds before they expire, one fetch at a time however many
/// calls wait, and a failed refresh keeps using the old ones while they are still valid.
public actor AWSCredentialProvider {
    /// Refreshed this long before expiry: a request signed just before expiry may arrive after it.
    public static let refreshMargin = 300.0

    private let sources: [any CredentialSource]
    private let now: @Sendable () -> Date
    private var chosen: Int?
    private var cached: AWSCredentials?
    private var inFlight: Task<Result<Fetched, CredentialError>, Never>?

    public init(_ sources: [any CredentialSource], now: @escaping @Sendable () -> Date = { Date() }) {
        self.sources = sources
        self.now = now
    }

    /// Fixed keys, such as an IAM user's for a test.
    public init(credentials: AWSCredentials, now: @escaping @Sendable () -> Date = { Date() }) {
        self.init([StaticCredentials(credentials: credentials)], now: now)
    }

    /// Which source answered, for `rampart validate` and error messages; nil before the first fetch.
    public var sourceName: String? { chosen.map { sources[$0].name } }

    public func current() async throws(CredentialError) -> AWSCredentials {
        if let cached, !needsRefresh(cached) { return cached }
        let task: Task<Result<Fetched, CredentialError>, Never>
        if let inFlight {
            task = inFlight
        } else {
            let sources = self.sources
            let chosen = self.chosen
            task = Task { await Self.fetch(sources, chosen: chosen) }
            inFlight = task
        }
        let result = await task.value
        if inFlight == task { inFlight = nil }
        switch result {
        case .success(let fresh):
            cached = fresh.credentials
            chosen = fresh.source
            return fresh.credentials
        case .failure(let error):
            // Still valid: keep signing with them and try the refresh again on the next call.
            if let cached, let expiry = cached.expiration, expiry > now() { return cached }
            throw error
        }
    }

    /// Forgets the cached credentials (the service said they expired).
    public func invalidate() { cached = nil }

    private func needsRefresh(_ c: AWSCredentials) -> Bool {
        guard let expiry = c.expiration else { return false }
        return expiry.timeIntervalSince(now()) < Self.refreshMargin
    }

    /// Credentials and the index of the source that gave them.
    struct Fetched: Sendable {
        var source: Int
        var credentials: AWSCredentials
    }

    private static func fetch(_ sources: [any CredentialSource], chosen: Int?) async -> Result<Fetched, CredentialError> {
        if let chosen {
            do {
                if let c = try await sources[chosen].fetch() { return .success(Fetched(source: chosen, credentials: c)) }
                return .failure(CredentialError("\(sources[chosen].name) no longer has credentials"))
            } catch {
                return .failure(error)
            }
        }
        for (i, source) in sources.enumerated() {
            do {
                if let c = try await source.fetch() { return .success(Fetched(source: i, credentials: c)) }
            } catch {
                return .failure(CredentialError("\(source.name): \(error.message)", refused: error.refused))
            }
        }
        let tried = sources.map(\.name).joined(separator: ", ")
        return .failure(CredentialError("no AWS credentials found (looked in: \(tried))"))
    }
}

/// Keys given directly.
public struct StaticCredentials: CredentialSource {
    public var credentials: AWSCredentials
    public var name: String { "static keys" }
    public init(credentials: AWSCredentials) { self.credentials = credentials }
    public func fetch() async throws(CredentialError) -> AWSCredentials? { credentials }
}
