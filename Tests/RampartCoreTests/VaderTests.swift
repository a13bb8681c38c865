import Foundation
import Testing

@testable import RampartCore

/// VADER against vaderSentiment 3.3.2 (unrounded), on Fixtures/reference/vader-reference.json.
struct VaderTests {
    struct Case: Sendable, CustomStringConvertible {
        var text: String, neg: Double, neu: Double, pos: Double, compound: Double
        var description: String { text }
    }

    static let cases: [Case] = {
        let json = try! loadJSON(Paths.fixture("reference/vader-reference.json"))
        return (json["cases"] as! [[String: Any]]).map {
            Case(
                text: $0["text"] as! String, neg: ($0["neg"] as! NSNumber).doubleValue, neu: ($0["neu"] as! NSNumber).doubleValue,
                pos: ($0["pos"] as! NSNumber).doubleValue, compound: ($0["compound"] as! NSNumber).doubleValue)
        }
    }()

    @Test("agrees with vaderSentiment", arguments: cases)
    func agrees(_ c: Case) {
        let p = Vader.polarity(c.text)
        #expect(abs(p.compound - c.compound) < 1e-9, "compound")
        #expect(abs(p.pos - c.pos) < 1e-9, "pos")
        #expect(abs(p.neg - c.neg) < 1e-9, "neg")
        #expect(abs(p.neu - c.neu) < 1e-9, "neu")
    }

    @Test func theLexiconIsComplete() {
        #expect(Vader.lexicon.count >= 7500)
        #expect(Vader.lexicon["good"] == 1.9)
        // Only single-code-point emoji can match, as in the reference, which iterates code points.
        #expect(Vader.emojis.count == 1212)
    }
}
