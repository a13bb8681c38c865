import Foundation
import RampartCore
import Synchronization

/// A content-addressed store of model responses, so an unchanged gate re-runs without calling
/// the provider. The key is the SHA-256 of the provider's identity (kind, model, pinned version,
/// settings), the full prompt, the request's stream and its repeat index.
///
/// Stored as one append-only JSON Lines file: loaded once, appended as responses arrive, so a run
/// that dies keeps what it paid for; a torn last line is ignored on the next load.
public final class ResponseCache: Sendable {
    public let path: String
    private let entries: Mutex<[String: ModelResponse]>
    private let stats = Mutex((hits: 0, misses: 0))
    /// The folder is made (owner-only) before the first store, not at every one.
    private let folderReady = Mutex(false)

    private struct Line: Codable {
        var key: String
        var response: ModelResponse
    }

    public init(path: String) {
        self.path = path
        var loaded: [String: ModelResponse] = [:]
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let decoder = JSONDecoder()
            for line in text.split(separator: "\n") {
                if let entry = try? decoder.decode(Line.self, from: Data(line.utf8)) { loaded[entry.key] = entry.response }
            }
        }
        entries = Mutex(loaded)
    }

    /// A retry asks for the same answer as its first attempt, so the attempt (a `:retryN` suffix
    /// on the stream) is not part of the key: an answer a retry paid for serves the next run's
    /// first attempt.
    public static func key(identity: String, request: ModelRequest) -> String {
        SHA256.hex(Array("\(identity)\u{1F}\(request.system)\u{1F}\(request.user)\u{1F}\(firstAttempt(request.stream))".utf8))
    }

    static func firstAttempt(_ stream: String) -> Substring {
        guard let r = stream.range(of: ":retry", options: .backwards) else { return stream[...] }
        let digits = stream[r.upperBound...]
        return !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber) ? stream[..<r.lowerBound] : stream[...]
    }

    public func lookup(_ key: String) -> ModelResponse? {
        let hit = entries.withLock { $0[key] }
        stats.withLock { if hit == nil { $0.misses += 1 } else { $0.hits += 1 } }
        return hit
    }

    public func store(_ key: String, _ response: ModelResponse) {
        entries.withLock { $0[key] = response }
        guard let data = try? JSONEncoder().encode(Line(key: key, response: response)) else { return }
        folderReady.withLock { ready in
            guard !ready else { return }
            ready = (try? PrivateState.directory(containing: path)) != nil
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, PrivateState.fileMode)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var bytes = Array(data) + [0x0A]
        // Never empty (it ends in a newline), so its storage has an address.
        _ = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress!, $0.count) }
    }

    public var hits: Int { stats.withLock { $0.hits } }
    public var misses: Int { stats.withLock { $0.misses } }
}

/// Serves responses from the cache and stores what the wrapped provider answers. Failed
/// requests are not cached: an outage must not be replayed as if it were the model's answer.
public struct CachingProvider: ModelProvider {
    public let wrapped: any ModelProvider
    public let cache: ResponseCache
    /// An answer that echoes a secret (a server that repeats the key) is stored masked.
    public let redactor: Redactor?
    public var identity: String { wrapped.identity }
    public var isSimulated: Bool { wrapped.isSimulated }

    public init(_ wrapped: any ModelProvider, cache: ResponseCache, redactor: Redactor? = nil) {
        self.wrapped = wrapped
        self.cache = cache
        self.redactor = redactor
    }

    public func complete(_ request: ModelRequest) async -> ModelResponse {
        let key = ResponseCache.key(identity: wrapped.identity, request: request)
        if let hit = cache.lookup(key) { return hit }
        var response = await wrapped.complete(request)
        if let redactor { response.text = redactor.redact(response.text) }
        if !response.failed { cache.store(key, response) }
        return response
    }
}
