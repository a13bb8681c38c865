import Foundation
import RampartAWS
import RampartCore

/// Publishes each notification to an SNS topic: the JSON body the webhook sends as the message
/// (subscribers by email read its `text` first), a one-line subject, and `event` and `pipeline`
/// as message attributes so subscriptions can filter (only rollbacks to the pager, say).
public struct SNSNotifier: Notifier {
    public let topic: SNSTopicSpec
    public let client: AWSClient

    public init(topic: SNSTopicSpec, client: AWSClient) {
        self.topic = topic
        self.client = client
    }

    public var channel: String { "sns:\(topic.topicARN)" }

    public func send(_ payload: NotificationPayload) async -> String? {
        let message: String
        do {
            message = String(decoding: try RunFileCodec.encoder().encode(payload), as: UTF8.self)
        } catch {
            return "cannot encode the notification: \(error)"
        }
        let parameters = [
            ("TopicArn", topic.topicARN), ("Message", message), ("Subject", Self.subject(topic.subject, payload)),
            ("MessageAttributes.entry.1.Name", "event"), ("MessageAttributes.entry.1.Value.DataType", "String"),
            ("MessageAttributes.entry.1.Value.StringValue", payload.event.rawValue),
            ("MessageAttributes.entry.2.Name", "pipeline"), ("MessageAttributes.entry.2.Value.DataType", "String"),
            ("MessageAttributes.entry.2.Value.StringValue", payload.pipeline),
        ]
        do {
            let answer = try await client.query("Publish", version: "2010-03-31", parameters)
            return answer.first("MessageId") == nil ? "SNS answered Publish without a MessageId" : nil
        } catch {
            return "SNS Publish to \(topic.topicARN) in \(topic.region): \(error)"
        }
    }

    /// SNS takes at most 100 printable characters on one line.
    static func subject(_ configured: String?, _ p: NotificationPayload) -> String {
        let text = configured ?? "Rampart: \(p.pipeline) \(p.event.rawValue.replacingOccurrences(of: "_", with: " "))"
        let line = text.map { $0.isNewline || ($0.isASCII && ($0.asciiValue ?? 32) < 32) ? " " : $0 }
        return String(String(line).prefix(100))
    }
}
