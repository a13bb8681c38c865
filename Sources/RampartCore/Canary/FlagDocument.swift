import Foundation

/// The flag document a `file` router writes and an app (or `rampart proxy --weight-file`)
/// reads: `{"canary_weight": 20, "baseline": …, "candidate": …, "updated_at": …}`. One type for
/// both sides, so the writer and the reader cannot drift apart.
public struct FlagDocument: Codable, Sendable, Equatable {
    public var canaryWeight: Double
    public var baseline: String?
    public var candidate: String?
    public var updatedAt: String?

    enum CodingKeys: String, CodingKey {
        case canaryWeight = "canary_weight"
        case baseline, candidate
        case updatedAt = "updated_at"
    }

    public init(canaryWeight: Double, baseline: String?, candidate: String?, updatedAt: String?) {
        self.canaryWeight = canaryWeight
        self.baseline = baseline
        self.candidate = candidate
        self.updatedAt = updatedAt
    }

    /// One line of JSON, keys in a fixed order, ending with a newline.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A Double and three optional strings always encode.
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
    }

    /// Why a document gives no weight.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The weight in a flag file. Only a number from 0 to 100 is a weight: `true`, a string, a
    /// missing key or a file that is not JSON is an error, never some weight.
    public static func weight(inFile path: String) -> Result<Double, Problem> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(Problem(message: "cannot read \(path)"))
        }
        return weight(in: data, source: path)
    }

    /// The weight in a flag document read from `source` (a file, a stored configuration version).
    public static func weight(in data: Data, source: String) -> Result<Double, Problem> {
        do {
            let w = try JSONDecoder().decode(FlagDocument.self, from: data).canaryWeight
            guard w.isFinite, (0...100).contains(w) else { return .failure(Problem(message: "\(source): canary_weight must be 0...100, got \(w)")) }
            return .success(w)
        } catch DecodingError.keyNotFound(let key, _) where key.stringValue == CodingKeys.canaryWeight.rawValue {
            return .failure(Problem(message: "\(source) has no canary_weight"))
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.first?.stringValue == CodingKeys.canaryWeight.rawValue {
            return .failure(Problem(message: "\(source): canary_weight must be a number"))
        } catch {
            return .failure(Problem(message: "\(source) is not a JSON flag document"))
        }
    }
}
