import Crypto
import RampartCore

/// SHA-256 fingerprints of specs, prompts, guardrails and cache keys, in lowercase hex, from
/// swift-crypto.
public enum SHA256 {
    public static func hex<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        digest(bytes).map { byte in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    public static func digest<Bytes: Collection>(_ input: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        Array(Crypto.SHA256.hash(data: Array(input)))
    }
}

extension PipelineInputs {
    /// The spec file's fingerprint, recorded in the run file and the run lock.
    public var specSHA256: String { SHA256.hex(Array(specText.utf8)) }
}
