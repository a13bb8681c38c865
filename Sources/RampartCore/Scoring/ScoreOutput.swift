/// One line of `rampart score` output: the score, the metric's extras and its signature.
public struct ScoreOutput: Encodable, Sendable {
    public var score: Double
    public var precision: Double?
    public var recall: Double?
    public var pos: Double?
    public var neu: Double?
    public var neg: Double?
    public var validJSON: Double?
    public var schemaErrors: Double?
    public var signature: String

    enum CodingKeys: String, CodingKey {
        case score, precision, recall, pos, neu, neg, signature
        case validJSON = "valid_json"
        case schemaErrors = "schema_errors"
    }

    public init(_ r: ScoreMetric.Result) {
        score = r.score
        precision = r.precision
        recall = r.recall
        pos = r.extras["pos"]
        neu = r.extras["neu"]
        neg = r.extras["neg"]
        validJSON = r.extras["valid_json"]
        schemaErrors = r.extras["schema_errors"]
        signature = r.signature
    }

    /// The same bytes `RunFileCodec.encoder()` writes (keys sorted, absent ones left out), for
    /// the line-per-item hot path; nil when a number is not finite, which only Foundation's
    /// encoder can report.
    public func write(to json: inout JSONWriter) -> Bool {
        // Members in key order, without an array per line (this runs once per scored line).
        func finite(_ v: Double?) -> Bool { v?.isFinite ?? true }
        guard score.isFinite, finite(neg), finite(neu), finite(pos), finite(precision), finite(recall), finite(schemaErrors), finite(validJSON)
        else { return false }
        json.byte(0x7B)
        var first = true
        func member(_ key: StaticString, _ v: Double?) {
            guard let v else { return }
            if !first { json.byte(0x2C) }
            first = false
            json.byte(0x22)
            json.raw(key)
            json.raw("\":")
            json.number(v)
        }
        member("neg", neg)
        member("neu", neu)
        member("pos", pos)
        member("precision", precision)
        member("recall", recall)
        member("schema_errors", schemaErrors)
        member("score", score)
        json.raw(",\"signature\":")
        json.string(signature)
        if let v = validJSON {
            json.raw(",\"valid_json\":")
            json.number(v)
        }
        json.byte(0x7D)
        return true
    }
}
