import Foundation
import Yams

/// Notification channels and the moments they are told about.
extension SpecParser {
    func notifyList(_ field: YAMLField) -> [NotifySpec] {
        guard let items = reader.sequence(field) else { return [] }
        return items.compactMap { item in
            let keys = ["kind", "path", "run", "url", "url_env", "retries", "timeout", "on", "topic_arn", "region", "subject", "endpoint"]
            guard let m = reader.mapping(item, allowed: keys, required: ["kind"])
            else {
                return nil
            }
            guard let kindField = m["kind"], let kindName = reader.string(kindField) else { return nil }
            var on: Set<NotificationTrigger> = []
            if let f = m["on"], let triggers = reader.sequence(f) {
                for t in triggers { if let v = reader.choice(t, NotificationTrigger.self) { on.insert(v) } }
            }
            switch kindName {
            case "file":
                if let f = m["run"] { reader.error(f.node, f.path, "a file notifier takes 'path', not 'run'") }
                guard let p = m["path"] else {
                    reader.error(item.node, item.child("path"), "required field is missing")
                    return nil
                }
                guard let raw = reader.string(p) else { return nil }
                let resolved = raw.hasPrefix("/") ? raw : (reader.directory as NSString).appendingPathComponent(raw)
                return NotifySpec(kind: .file(path: resolved), on: on)
            case "command":
                if let f = m["path"] { reader.error(f.node, f.path, "a command notifier takes 'run', not 'path'") }
                guard let r = m["run"] else {
                    reader.error(item.node, item.child("run"), "required field is missing")
                    return nil
                }
                let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 0.001) } ?? 30
                guard let run = reader.string(r) else { return nil }
                return NotifySpec(kind: .command(run: run, timeout: timeout), on: on)
            case "webhook":
                let timeout = m["timeout"].flatMap { reader.duration($0, minimum: 0.001) } ?? 10
                let retries = m["retries"].flatMap { reader.int($0, in: 0...10) } ?? 2
                if let f = m["url_env"], let name = reader.string(f) {
                    if m["url"] != nil { reader.error(f.node, f.path, "give url or url_env, not both") }
                    return NotifySpec(kind: .webhook(url: name, fromEnvironment: true, timeout: timeout, retries: retries), on: on)
                }
                guard let f = m["url"] else {
                    reader.error(item.node, item.child("url"), "required field is missing (or name the variable holding it with url_env)")
                    return nil
                }
                guard let url = reader.string(f) else { return nil }
                if URL(string: url).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
                    reader.error(f.node, f.path, "must be an http(s) URL, got '\(url)'")
                    return nil
                }
                return NotifySpec(kind: .webhook(url: url, fromEnvironment: false, timeout: timeout, retries: retries), on: on)
            case "sns":
                return snsTopic(item, m).map { NotifySpec(kind: .sns($0), on: on) }
            default:
                reader.error(kindField.node, kindField.path, "must be one of: file, command, webhook, sns; got '\(kindName)'")
                return nil
            }
        }
    }

    /// `kind: sns` with `topic_arn` (its region is the topic's), optional `subject` and `endpoint`.
    func snsTopic(_ item: YAMLField, _ m: [String: YAMLField]) -> SNSTopicSpec? {
        for key in ["path", "run", "url", "url_env", "retries"] {
            if let f = m[key] { reader.error(f.node, f.path, "an sns notifier takes topic_arn, region, subject, endpoint and timeout") }
        }
        guard let f = m["topic_arn"] else {
            reader.error(item.node, item.child("topic_arn"), "required field is missing (such as arn:aws:sns:eu-west-1:123456789012:releases)")
            return nil
        }
        guard let arn = reader.string(f) else { return nil }
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "sns", AWSRegionName.valid(parts[3]), !parts[5].isEmpty
        else {
            reader.error(f.node, f.path, "must be an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:releases, got '\(arn)'")
            return nil
        }
        var topic = SNSTopicSpec(topicARN: arn, region: parts[3])
        if let r = m["region"], let region = reader.string(r), region != parts[3] {
            reader.error(r.node, r.path, "the topic lives in \(parts[3]) (its ARN says so); SNS answers only there, got '\(region)'")
        }
        if let s = m["subject"], let subject = reader.string(s) {
            if subject.count > 100 || subject.contains(where: { $0.isNewline }) {
                reader.error(s.node, s.path, "SNS subjects are one line of at most 100 characters")
            }
            topic.subject = subject
        }
        if let e = m["endpoint"], let url = reader.string(e) {
            if URL(string: url).map({ ["http", "https"].contains($0.scheme ?? "") && $0.host != nil }) != true {
                reader.error(e.node, e.path, "must be an http(s) URL, got '\(url)'")
            }
            topic.endpoint = url
        }
        if let t = m["timeout"], let seconds = reader.duration(t, minimum: 0.001) { topic.timeout = seconds }
        return topic
    }
}
