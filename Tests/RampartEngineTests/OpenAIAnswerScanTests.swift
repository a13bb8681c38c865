import Foundation
import RampartCore
import Testing

@testable import RampartNet

/// The proxy reads every answer's usage off its bytes; Foundation's reading is the reference,
/// and the two must agree on every body, the scan deferring when it is not sure.
@Suite struct OpenAIAnswerScanTests {
    static let chat = "/v1/chat/completions"
    static let bodies: [String] = [
        #"{"choices":[{"message":{"role":"assistant","content":"Your order ships tomorrow."}}],"usage":{"prompt_tokens":42,"completion_tokens":7}}"#,
        #"{"id":"x","choices":[{"index":0,"message":{"content":"caf\u00e9 \"q\" \n ok 🚀"},"finish_reason":"stop"},{"message":{}}],"usage":{"prompt_tokens":-3,"completion_tokens":0}}"#,
        #"{"choices":[{"message":{"content":null}}]}"#,
        #"{"choices":[{"message":{"content":17}}],"usage":{"prompt_tokens":"12","completion_tokens":null}}"#,
        #"{"choices":[{"message":"text"}],"usage":[1,2]}"#,
        #"{"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":1.5,"completion_tokens":2}}"#,
        #"{"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":true,"completion_tokens":2}}"#,
        #"{"choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":99999999999999999999,"completion_tokens":2}}"#,
        #"{"choices":[{"message":{"content":"a"}}],"choices":[{"message":{"content":"b"}}]}"#,
        #"{"choi\u0063es":[{"message":{"content":"a"}}]}"#,
        #"{"choices":[{"message":{"content":"a"}}, 3]}"#,
        #"{"choices":[]}"#,
        #"{"choices":{}}"#,
        #"{"usage":{"prompt_tokens":5}}"#,
        #"[{"choices":[]}]"#,
        #""just a string""#,
        #"{"choices":[{"message":{"content":"a"}}],}"#,
        #"not json"#,
        "",
        #"{"choices":[{"message":{"content":"\ud800"}}]}"#,
        "  {\"choices\":[{\"message\":{\"content\":\"spaced\"}}]}  \n",
    ]

    @Test func theScanAgreesWithFoundationOnEveryBody() {
        for text in Self.bodies {
            for path in [Self.chat, "/v1/embeddings", "/v1/models"] {
                let body = Array(text.utf8)
                let reference = OpenAIUsage.foundationParse(body, path: path)
                #expect(OpenAIUsage.parse(body, path: path) == reference, "\(path) \(text)")
            }
        }
        for text in [#"{"data":[{"embedding":[0.1]}],"usage":{"prompt_tokens":4}}"#, #"{"data":{}}"#, #"{"object":"list"}"#] {
            let body = Array(text.utf8)
            #expect(OpenAIUsage.parse(body, path: "/v1/embeddings") == OpenAIUsage.foundationParse(body, path: "/v1/embeddings"), "\(text)")
        }
    }

    @Test func theCommonAnswersAreReadWithoutFoundation() {
        // Nil would mean every answer still goes through JSONSerialization.
        let answer = Array(Self.bodies[0].utf8)
        #expect(
            OpenAIAnswerScan.scan(answer, chat: true, embeddings: false)
                == .answer(promptTokens: 42, completionTokens: 7, text: "Your order ships tomorrow."))
        #expect(
            OpenAIAnswerScan.scan(Array(Self.bodies[1].utf8), chat: true, embeddings: false)
                == .answer(promptTokens: -3, completionTokens: 0, text: "café \"q\" \n ok 🚀"))
        #expect(OpenAIAnswerScan.scan(Array(#"{"choices":[]}"#.utf8), chat: true, embeddings: false) == .malformed)
        // Not sure: a fractional count, a key given twice.
        #expect(OpenAIAnswerScan.scan(Array(Self.bodies[5].utf8), chat: true, embeddings: false) == nil)
        #expect(OpenAIAnswerScan.scan(Array(Self.bodies[8].utf8), chat: true, embeddings: false) == nil)
    }
}
