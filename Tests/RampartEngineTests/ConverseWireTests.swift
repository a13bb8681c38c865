import Foundation
import Testing

@testable import RampartCore
@testable import RampartEngine

/// The Converse bodies and the pinning rule, without a server.
@Suite struct ConverseWireTests {
    @Test(arguments: [
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", true), ("us.anthropic.claude-3-5-sonnet-20240620-v1:0", true),
        ("anthropic.claude-v2:1", true), ("anthropic.claude-v2", false), ("amazon.titan-text-express-v1", false),
        ("meta.llama3-8b-instruct-v1:", false), ("arn:aws:bedrock:eu-west-1:123456789012:provisioned-model/abc123", true),
        ("arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0", true),
        ("arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/x1", true),
        ("arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2", false),
        ("arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-v2:1", true), ("arn:aws:bedrock:eu-west-1:1:guardrail/g", false),
    ])
    func pinnedIds(_ id: String, _ pinned: Bool) {
        #expect(BedrockVariantSpec.isPinned(id) == pinned)
    }

    @Test func theRequestHasConversesShape() throws {
        var spec = BedrockVariantSpec(modelID: "m:0")
        spec.maxTokens = 300
        spec.temperature = 0
        spec.stopSequences = ["\n\nHuman:"]
        spec.guardrail = .init(identifier: "support-guardrail", version: "1")
        let body = String(decoding: try ConverseWire.request(spec, system: "Be brief.", user: "Where is my refund?"), as: UTF8.self)
        #expect(
            body
                == #"{"guardrailConfig":{"guardrailIdentifier":"support-guardrail","guardrailVersion":"1","trace":"disabled"},"inferenceConfig":{"maxTokens":300,"stopSequences":["\n\nHuman:"],"temperature":0},"messages":[{"content":[{"text":"Where is my refund?"}],"role":"user"}],"system":[{"text":"Be brief."}]}"#
        )
        // Converse refuses empty text blocks: no system prompt, no `system`; no settings, no `inferenceConfig`.
        let bare = String(decoding: try ConverseWire.request(BedrockVariantSpec(modelID: "m:0"), system: "", user: "hi"), as: UTF8.self)
        #expect(bare == #"{"messages":[{"content":[{"text":"hi"}],"role":"user"}]}"#)
    }

    @Test func theAnswerJoinsTextBlocksAndKeepsUsage() {
        let body = #"""
            {"output":{"message":{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"hmm"}}},{"text":"Refunds take "},{"text":"5 days."}]}},
             "stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":4,"totalTokens":16},"metrics":{"latencyMs":230}}
            """#
        #expect(
            ConverseWire.answer(Array(body.utf8))
                == ConverseWire.Answer(text: "Refunds take 5 days.", stopReason: "end_turn", inputTokens: 12, outputTokens: 4))
        #expect(ConverseWire.answer(Array(#"{"message":"not converse"}"#.utf8)) == nil)
        #expect(ConverseWire.answer(Array(#"{"output":{},"stopReason":"end_turn","usage":{"inputTokens":1,"outputTokens":1}}"#.utf8)) == nil)
    }
}
