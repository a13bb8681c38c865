import RampartCore
import Synchronization

/// The embedded stand-in for a GenAI endpoint: `SimModel` behind the `ModelProvider` door, with
/// one seeded random stream per purpose so that runs with the same seed are identical.
public final class SimProvider: ModelProvider {
    private let model: SimModel
    private let seed: UInt64
    private let variant: Variant
    private let streams = Mutex<[String: SeededRandom]>([:])
    public let identity: String
    public var isSimulated: Bool { true }

    public init(profile: SimProfile, systemPrompt: String, seed: UInt64, variant: Variant, model name: String = "sim", version: String = "0") {
        self.model = SimModel(profile: profile, systemPrompt: systemPrompt)
        self.seed = seed
        self.variant = variant
        let profileJSON = (try? RunFileCodec.encoder().encode(profile)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        identity = "sim|\(name)@\(version)|\(variant.rawValue)|seed:\(seed)|profile:\(SHA256.hex(Array(profileJSON.utf8)))"
    }

    public func complete(_ request: ModelRequest) async -> ModelResponse {
        let reply = streams.withLock { streams in
            let key = "\(variant.rawValue):\(request.stream)"
            var rng = streams[key] ?? SeededRandom(seed: seed, stream: key)
            defer { streams[key] = rng }
            return model.respond(to: request.ask, rng: &rng)
        }
        return ModelResponse(
            text: reply.text, latencyMs: reply.latencyMs, promptTokens: reply.promptTokens,
            completionTokens: reply.completionTokens, failed: reply.failed)
    }
}
