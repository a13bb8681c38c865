import Foundation
import RampartCore

/// LLM-as-a-judge through an OpenAI-compatible chat endpoint: a rubric, the question, the
/// reference and the answer in; a score in 0…1 and a reason out. A judge that fails or answers
/// in a form that cannot be parsed gives ERROR, never a pass or a fail.
public struct LLMJudge: Sendable {
    /// The grader: on an OpenAI-compatible server or on Bedrock.
    public var model: any ChatModel
    public var rubric: String

    public enum Verdict: Sendable, Equatable {
        case scored(score: Double, reason: String)
        /// The judge could not be asked, or its answer is not a 0–1 score: never guessed at.
        case error(RequestFailure)
    }

    public init(model: any ChatModel, rubric: String) {
        self.model = model
        self.rubric = rubric
    }

    public init(client: OpenAIClient, model: String, rubric: String) {
        self.init(model: OpenAIChat(client: client, model: model), rubric: rubric)
    }

    static let instructions = """
        You grade an assistant's answer against a rubric. Reply with one JSON object and nothing else:
        {"score": <number from 0 to 1>, "reason": "<one sentence>"}
        """

    public func judge(question: String, reference: String?, answer: String) async -> Verdict {
        var prompt = "Rubric:\n\(rubric)\n\nQuestion:\n\(question)\n"
        if let reference { prompt += "\nReference answer:\n\(reference)\n" }
        prompt += "\nAnswer to grade:\n\(answer)\n"
        do {
            return Self.parse(try await model.reply(system: Self.instructions, user: prompt))
        } catch {
            var failure = error
            failure.message = "the judge: " + error.message
            return .error(failure)
        }
    }

    /// Reads `{"score": …, "reason": …}`, also inside a fenced block or surrounded by prose. A
    /// score on a 1–5 or 1–10 scale is refused rather than guessed at: the rubric asks for 0–1.
    public static func parse(_ text: String) -> Verdict {
        guard let open = text.firstIndex(of: "{"), let close = text.lastIndex(of: "}"), open < close,
            let object = try? JSONSerialization.jsonObject(with: Data(text[open...close].utf8)) as? [String: Any]
        else {
            return .error(RequestFailure(.malformed, message: "the judge did not answer with a JSON object: \(String(text.prefix(120)))"))
        }
        guard let score = (object["score"] as? NSNumber)?.doubleValue, score.isFinite else {
            return .error(RequestFailure(.malformed, message: "the judge's JSON has no numeric score"))
        }
        guard (0...1).contains(score) else { return .error(RequestFailure(.malformed, message: "the judge's score \(score) is outside 0…1")) }
        return .scored(score: score, reason: (object["reason"] as? String) ?? "")
    }
}

/// Cosine similarity of embeddings from an OpenAI-compatible `/v1/embeddings`.
public struct EmbeddingSimilarity: Sendable {
    /// On an OpenAI-compatible server or on Bedrock.
    public var model: any EmbeddingModel

    public init(model: any EmbeddingModel) { self.model = model }

    public init(client: OpenAIClient, model: String) { self.init(model: OpenAIEmbeddings(client: client, model: model)) }

    /// The best cosine between the candidate and any reference, or the failure (one text per
    /// request: some servers cap a batch, and a failure then names the text that failed).
    public func score(candidate: String, references: [String]) async -> Result<Double, RequestFailure> {
        var vectors: [[Double]] = []
        for text in [candidate] + references {
            do {
                vectors.append(try await model.embed(text))
            } catch {
                var failure = error
                failure.message = "the embeddings endpoint: " + error.message
                return .failure(failure)
            }
        }
        return .success(vectors.dropFirst().map { Self.cosine(vectors[0], $0) }.max() ?? 0)
    }

    public static func cosine(_ a: [Double], _ b: [Double]) -> Double {
        guard a.count == b.count, !a.isEmpty else { return 0 }
        var dot = 0.0, na = 0.0, nb = 0.0
        for i in a.indices {
            dot += a[i] * b[i]
            na += a[i] * a[i]
            nb += b[i] * b[i]
        }
        return na == 0 || nb == 0 ? 0 : dot / (na.squareRoot() * nb.squareRoot())
    }
}
