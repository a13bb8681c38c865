import Foundation
import RampartAWS
import RampartNet
import RampartTestSupport
import Testing

@testable import RampartCore

/// `rampart eval` and `rampart run` on examples/bedrock.yaml as a user on AWS would run them:
/// models behind the Converse stand-in, notifications through SNS on moto, credentials from
/// the environment (temporary ones, with a session token). Exit codes, one clear line, and no
/// secret in anything the run writes.
@Suite(.serialized) struct AWSEvalTests {
    /// Temporary credentials for the role on moto: what a CI job would hold.
    func roleCredentials(_ moto: MotoServer) async throws -> AWSCredentials {
        let sts = moto.client(.sts)
        let xml = try await sts.query("AssumeRole", version: "2011-06-15", [("RoleArn", moto.roleARN), ("RoleSessionName", "rampart-cli-test")])
        return AWSCredentials(
            accessKeyID: try #require(xml.first("AccessKeyId")), secretAccessKey: try #require(xml.first("SecretAccessKey")),
            sessionToken: try #require(xml.first("SessionToken")))
    }

    func environment(_ keys: AWSCredentials, standIn: ConverseStandIn, moto: MotoServer, home: String) -> [String: String] {
        [
            "AWS_ACCESS_KEY_ID": keys.accessKeyID, "AWS_SECRET_ACCESS_KEY": keys.secretAccessKey, "AWS_SESSION_TOKEN": keys.sessionToken ?? "",
            "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": standIn.endpoint, "AWS_ENDPOINT_URL_SNS": moto.endpoint,
            "AWS_EC2_METADATA_DISABLED": "true", "HOME": home,
        ]
    }

    /// Every file under `dir`, searched for each secret.
    func leaks(in dir: String, of secrets: [String]) -> [String] {
        var found: [String] = []
        let walker = FileManager.default.enumerator(atPath: dir)
        while let relative = walker?.nextObject() as? String {
            let path = dir + "/" + relative
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            for s in secrets where text.contains(s) { found.append("\(relative) holds \(s.prefix(6))…") }
        }
        return found
    }

    @Test func aBlockedRunNotifiesThroughSNSAndWritesNoSecret() async throws {
        let moto = try await MotoServer.running()
        let keys = try await roleCredentials(moto)
        let sns = moto.client(.sns), sqs = moto.client(.sqs)
        let topic = try #require(try await sns.query("CreateTopic", version: "2010-03-31", [("Name", "rampart-releases")]).first("TopicArn"))
        #expect(topic == "arn:aws:sns:eu-west-1:123456789012:rampart-releases")  // the topic examples/bedrock.yaml names
        let created = try await sqs.json(target: "AmazonSQS.CreateQueue", body: Array(#"{"QueueName":"rampart-cli"}"#.utf8))
        let queueURL = try #require((try JSONSerialization.jsonObject(with: Data(created)) as? [String: Any])?["QueueUrl"] as? String)
        _ = try await sns.query(
            "Subscribe", version: "2010-03-31",
            [("TopicArn", topic), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:eu-west-1:123456789012:rampart-cli")])
        // A stand-in that knows the key but not the models: every gate request is refused.
        let standIn = try await ConverseStandIn.start(
            .init(region: "eu-west-1", credentials: [keys.accessKeyID: keys.secretAccessKey], answers: [:]))
        defer { standIn.stop() }
        let dir = TestPaths.temporaryDirectory()
        let r = try await CLI.run(
            ["run", CLI.repository + "/examples/bedrock.yaml", "--headless", "--no-cache", "--record", dir + "/run.jsonl"], in: dir,
            environment: environment(keys, standIn: standIn, moto: moto, home: dir))
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("gate     golden-similarity ERROR:") && r.stdout.contains("ValidationException for model anthropic.claude-"))
        #expect(r.stdout.contains("sns:arn:aws:sns:eu-west-1:123456789012:rampart-releases (blocked) sent"), "\(r.stdout)")
        let answer = try await sqs.json(
            target: "AmazonSQS.ReceiveMessage", body: Array(#"{"QueueUrl":"\#(queueURL)","MaxNumberOfMessages":10}"#.utf8))
        let messages = (try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])?["Messages"] as? [[String: Any]] ?? []
        #expect(messages.count == 1)
        let envelope = try #require(
            messages.first.flatMap { ($0["Body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } })
        #expect(envelope["Subject"] as? String == "Rampart: support-bot release")
        #expect((envelope["Message"] as? String)?.contains(#""event":"blocked""#) == true)
        let secrets = [keys.secretAccessKey, try #require(keys.sessionToken)]
        #expect(leaks(in: dir, of: secrets).isEmpty, "\(leaks(in: dir, of: secrets))")
        #expect(!(r.stdout + r.stderr).contains(keys.secretAccessKey) && !(r.stdout + r.stderr).contains(keys.sessionToken ?? "-"))
    }

    @Test func evalExitsWithTheCodeOfItsCause() async throws {
        let moto = try await MotoServer.running()
        let keys = try await roleCredentials(moto)
        let standIn = try await ConverseStandIn.start(.init(region: "eu-west-1", credentials: [keys.accessKeyID: keys.secretAccessKey], answers: [:]))
        defer { standIn.stop() }
        let dir = TestPaths.temporaryDirectory()
        let env = environment(keys, standIn: standIn, moto: moto, home: dir)
        func eval(_ extra: [String: String]) async throws -> CLI.Result {
            try await CLI.run(
                ["eval", CLI.repository + "/examples/bedrock.yaml", "--no-cache", "--json", dir + "/eval.json", "--junit", dir + "/junit.xml"],
                in: dir, environment: env.merging(extra) { _, new in new })
        }
        // A model the region does not serve: the request is wrong, exit 65.
        let model = try await eval([:])
        #expect(model.status == 65, "\(model.stdout)\n\(model.stderr)")
        #expect(model.stderr.contains("ValidationException") && model.stderr.contains("in eu-west-1") && !model.stderr.contains("Fatal error"))
        // A wrong secret: AWS refuses the credentials, exit 69, and the secret shows nowhere.
        let secret = try await eval(["AWS_SECRET_ACCESS_KEY": "wrong-secret-0123456789abcdef"])
        #expect(secret.status == 69, "\(secret.stdout)\n\(secret.stderr)")
        #expect(secret.stderr.contains("InvalidSignatureException"))
        // The wrong region: the signature is scoped to a region the endpoint is not, exit 69.
        let region = try await eval(["AWS_REGION": "us-east-2"])
        #expect(region.status == 69 && region.stderr.contains("in us-east-2"), "\(region.stdout)\n\(region.stderr)")
        // No region anywhere: one line before any request, exit 69.
        let none = try await eval(["AWS_REGION": ""])
        #expect(none.status == 69 && none.stderr.contains("names no region and none is configured"), "\(none.stderr)")
        // A region that is not a region name never becomes a host name: one line, exit 69.
        let hostile = try await eval(["AWS_REGION": "evil.example/x"])
        #expect(hostile.status == 69 && hostile.stderr.contains("('evil.example/x', from AWS_REGION"), "\(hostile.stderr)")
        let all = [model, secret, region, none, hostile].map { $0.stdout + $0.stderr }.joined()
        #expect(!all.contains(keys.secretAccessKey) && !all.contains(keys.sessionToken ?? "-") && !all.contains("wrong-secret-0123456789abcdef"))
        #expect(leaks(in: dir, of: [keys.secretAccessKey, keys.sessionToken ?? "-", "wrong-secret-0123456789abcdef"]).isEmpty)
    }

    @Test func aRollbackNotifiesThroughSNS() async throws {
        let moto = try await MotoServer.running()
        let sns = moto.client(.sns), sqs = moto.client(.sqs)
        let name = "rollbacks-\(UInt32.random(in: 0...UInt32.max))"
        let topic = try #require(try await sns.query("CreateTopic", version: "2010-03-31", [("Name", name)]).first("TopicArn"))
        let created = try await sqs.json(target: "AmazonSQS.CreateQueue", body: Array(#"{"QueueName":"\#(name)"}"#.utf8))
        let queueURL = try #require((try JSONSerialization.jsonObject(with: Data(created)) as? [String: Any])?["QueueUrl"] as? String)
        _ = try await sns.query(
            "Subscribe", version: "2010-03-31",
            [("TopicArn", topic), ("Protocol", "sqs"), ("Endpoint", "arn:aws:sqs:eu-west-1:123456789012:\(name)")])
        // examples/degraded.yaml (a slower candidate the canary rolls back), told through SNS.
        let dir = TestPaths.temporaryDirectory()
        for folder in ["prompts", "datasets", "guardrails"] {
            try FileManager.default.copyItem(atPath: CLI.repository + "/examples/" + folder, toPath: dir + "/" + folder)
        }
        let original = try String(contentsOfFile: CLI.repository + "/examples/degraded.yaml", encoding: .utf8)
        let cut = try #require(original.range(of: "\nnotify:"))
        let spec = String(original[..<cut.lowerBound]) + "\nnotify:\n  - { kind: sns, topic_arn: \"\(topic)\", on: [rolled_back] }\n"
        try spec.write(toFile: dir + "/degraded.yaml", atomically: true, encoding: .utf8)
        let r = try await CLI.run(
            ["run", dir + "/degraded.yaml", "--headless", "--speed", "max", "--record", dir + "/run.jsonl"], in: dir,
            environment: [
                "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey,
                "AWS_ENDPOINT_URL_SNS": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true", "HOME": dir,
            ])
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("sns:\(topic) (rolled_back) sent"), "\(r.stdout)")
        let answer = try await sqs.json(
            target: "AmazonSQS.ReceiveMessage", body: Array(#"{"QueueUrl":"\#(queueURL)","MaxNumberOfMessages":10}"#.utf8))
        let messages = (try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])?["Messages"] as? [[String: Any]] ?? []
        let envelope = try #require(
            messages.first.flatMap { ($0["Body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] } })
        #expect(messages.count == 1 && envelope["Subject"] as? String == "Rampart: support-bot-slow rolled back")
        let body = try #require((envelope["Message"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(body["outcome"] as? String == "rolled_back" && (body["reason"] as? String)?.contains("automatic rollback") == true, "\(body)")
        #expect(leaks(in: dir, of: [moto.credentials.secretAccessKey]).isEmpty)
    }

    @Test func theAWSExamplesValidate() async throws {
        let r = try await CLI.run(
            ["validate", "examples/aws.yaml", "examples/bedrock.yaml"],
            environment: ["AWS_REGION": "eu-west-1", "HOME": TestPaths.temporaryDirectory()])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(
            r.stdout.contains(
                "threshold judge on CloudWatch AWS/Lambda, guarded by 2 alarm(s), split by lambda_alias (alias live of support-bot, versions 3 → 4)"))
        #expect(r.stdout.contains("examples/bedrock.yaml: ok"))
    }
}
