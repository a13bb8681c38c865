import Foundation
import Testing

@testable import RampartCore

struct StructuredScorerTests {
    let schema: [String: Any] = [
        "type": "object", "required": ["order", "status"], "additionalProperties": false,
        "properties": [
            "order": ["type": "integer", "minimum": 1],
            "status": ["enum": ["shipped", "pending"]],
            "items": ["type": "array", "maxItems": 2, "items": ["type": "string", "minLength": 2]],
            "gift": ["type": "boolean"],
        ],
    ]

    func errors(_ json: String) -> [String] {
        JSONSchemaSubset.validate(JSONSchemaSubset.parse(json)!, schema: schema)
    }

    @Test func validDocumentsPass() {
        #expect(errors(#"{"order": 12, "status": "shipped", "items": ["tent"], "gift": true}"#).isEmpty)
        #expect(errors("```json\n{\"order\": 1, \"status\": \"pending\"}\n```").isEmpty)
    }

    @Test func everyViolationIsNamedWithItsPath() {
        let e = errors(#"{"order": 0, "status": "lost", "items": ["a", "bb", "cc"], "gift": 1, "extra": null}"#)
        #expect(e.contains("/order: below the minimum 1.0"))
        #expect(e.contains("/status: not one of the allowed values"))
        #expect(e.contains("/items: more than 2 items"))
        #expect(e.contains("/items/0: shorter than 2 characters"))
        #expect(e.contains("/gift: expected boolean, got integer"))
        #expect(e.contains("/extra: property not allowed"))
        #expect(errors(#"{"order": 2.5, "status": "shipped"}"#) == ["/order: expected integer, got number"])
        #expect(errors(#"{"status": "shipped"}"#) == ["/: missing required property 'order'"])
        #expect(errors(#"[1, 2]"#) == ["/: expected object, got array"])
    }

    @Test func metrics() {
        #expect(ScoreMetric.contains.score(candidate: "Free shipping", references: ["shipping"]).score == 1)
        #expect(ScoreMetric.contains.score(candidate: "Free Shipping", references: ["shipping"]).score == 0)
        #expect(ScoreMetric.icontains.score(candidate: "Free Shipping", references: ["shipping"]).score == 1)
        #expect(ScoreMetric.regex.score(candidate: "order #12345", references: [], parameters: .init(pattern: "#\\d{5}\\b")).score == 1)
        #expect(ScoreMetric.regex.score(candidate: "x", references: [], parameters: .init(pattern: "(")).signature.contains("invalid"))
        #expect(ScoreMetric.json.score(candidate: "{\"a\": 1}", references: []).score == 1)
        #expect(ScoreMetric.json.score(candidate: "{a: 1}", references: []).score == 0)
        #expect(
            ScoreMetric.json.score(candidate: "{\"status\": \"x\"}", references: [], parameters: .init(schema: schema)).extras["schema_errors"] == 2)
    }
}
