import Foundation
import RampartAWS
import RampartNet
import RampartTestSupport
import Testing

@testable import RampartCore
@testable import RampartEngine

/// Rampart's AWS requests against moto with signature checking on: the IAM user's key signs,
/// a wrong secret is refused, roles are assumed through STS, and an SNS notification is read
/// back from an SQS queue subscribed to the topic. One test at a time: the web identity test
/// lets moto skip its check for one unsigned request.
@Suite(.serialized) struct AWSMotoTests {
    /// A topic and a queue subscribed to it, made on moto with Rampart's own client.
    func topicWithQueue(_ moto: MotoServer, name: String) async throws -> (topic: String, queueURL: String) {
        let sns = moto.client(.sns)
        let sqs = moto.client(.sqs)
        let topic = try #require(try await sns.query("CreateTopic", version: "2010-03-31", [("Name", name)]).first("TopicArn"))
        let created = try await sqs.json(target: "AmazonSQS.CreateQueue", body: Array(#"{"QueueName":"\#(name)"}"#.utf8))
        let queueURL = try #require((try JSONSerialization.jsonObject(with: Data(created)) as? [String: Any])?["QueueUrl"] as? String)
        let queueARN = "arn:aws:sqs:\(moto.region):123456789012:\(name)"
        _ = try await sns.query(
            "Subscribe", version: "2010-03-31", [("TopicArn", topic), ("Protocol", "sqs"), ("Endpoint", queueARN)])
        return (topic, queueURL)
    }

    /// Every message in the queue, as the SNS envelopes SQS holds.
    func received(_ moto: MotoServer, queueURL: String) async throws -> [[String: Any]] {
        let body = #"{"QueueUrl":"\#(queueURL)","MaxNumberOfMessages":10}"#
        let answer = try await moto.client(.sqs).json(target: "AmazonSQS.ReceiveMessage", body: Array(body.utf8))
        let messages = (try JSONSerialization.jsonObject(with: Data(answer)) as? [String: Any])?["Messages"] as? [[String: Any]] ?? []
        return messages.compactMap { m in
            (m["Body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    func spec(topic: String, endpoint: String) throws -> PipelineSpec {
        try SpecLoader.parse(
            """
            format: 1
            name: refunds-bot
            baseline: { provider: sim, model: m, version: "1.0" }
            candidate: { provider: sim, model: m, version: "1.1" }
            notify:
              - { kind: sns, topic_arn: "\(topic)", endpoint: "\(endpoint)", on: [blocked, rolled_back] }

            """, file: "s.yaml", directory: ".")
    }

    func payload(_ event: NotificationTrigger, _ reason: String) -> NotificationPayload {
        NotificationPayload(
            pipeline: "refunds-bot", event: event, outcome: event == .blocked ? .blocked : .rolledBack, reason: reason,
            candidate: "m@1.1", baseline: "m@1.0", runFile: nil, time: "2026-12-01T20:00:00Z")
    }

    @Test func aBlockedGateAndARollbackArriveInSQSThroughSNS() async throws {
        let moto = try await MotoServer.running()
        let (topic, queue) = try await topicWithQueue(moto, name: "releases-\(UInt32.random(in: 0...UInt32.max))")
        // The key comes from the run's environment, as a user's would.
        let environment = [
            "AWS_ACCESS_KEY_ID": moto.credentials.accessKeyID, "AWS_SECRET_ACCESS_KEY": moto.credentials.secretAccessKey,
            "AWS_EC2_METADATA_DISABLED": "true", "HOME": TestPaths.temporaryDirectory(),
        ]
        let channels = RunAssembly.notifiers(try spec(topic: topic, endpoint: moto.endpoint), environment: environment)
        let notifier = try #require(channels.first?.notifier)
        #expect(notifier.channel == "sns:\(topic)")
        let blocked = await notifier.send(payload(.blocked, "gate prompt-injection failed: leak rate 4.1 % > 1 %"))
        let rolledBack = await notifier.send(payload(.rolledBack, "error_rate +6.2 pp at 25 % (margin +3 pp)"))
        #expect(blocked == nil && rolledBack == nil, "\(blocked ?? "") \(rolledBack ?? "") \(moto.diagnosis)")
        let messages = try await received(moto, queueURL: queue)
        #expect(messages.count == 2)
        let subjects = Set(messages.compactMap { $0["Subject"] as? String })
        #expect(subjects == ["Rampart: refunds-bot blocked", "Rampart: refunds-bot rolled back"])
        let events = messages.compactMap { m -> String? in
            ((m["MessageAttributes"] as? [String: Any])?["event"] as? [String: Any])?["Value"] as? String
        }
        #expect(Set(events) == ["blocked", "rolled_back"])
        let bodies = messages.compactMap {
            ($0["Message"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
        #expect(bodies.contains { ($0["reason"] as? String)?.contains("leak rate 4.1 %") == true && $0["event"] as? String == "blocked" })
    }

    @Test func aWrongSecretIsRefusedOnceWithItsCodeAndNeverShown() async throws {
        let moto = try await MotoServer.running()
        let attempts = Counter()
        let transport = AWSTransport(
            send: { (m, u, h, b, t) async throws(ServiceHTTP.TransportError) in
                attempts.add()
                return try await ServiceHTTP.send(m, u, headers: h, body: b, timeout: t)
            }, sleep: { _ in })
        let wrong = AWSCredentials(accessKeyID: moto.credentials.accessKeyID, secretAccessKey: "not-the-secret-0123456789")
        let client = moto.client(.sns, credentials: wrong, transport: transport)
        do throws(AWSCallError) {
            _ = try await client.query("ListTopics", version: "2010-03-31")
            Issue.record("moto accepted a wrong secret")
        } catch {
            #expect(error.code == "SignatureDoesNotMatch")
            #expect(error.requestFailure.kind == .unauthorized && error.requestFailure.refusesService)
            #expect(!"\(error)".contains("not-the-secret") && "\(error)".contains("HTTP 403"))
        }
        #expect(attempts.value == 1)  // a refused signature is not retried
        let notifier = SNSNotifier(topic: SNSTopicSpec(topicARN: "arn:aws:sns:eu-west-1:123456789012:x", region: "eu-west-1"), client: client)
        let failure = try #require(await notifier.send(payload(.blocked, "x")))
        #expect(failure.contains("SignatureDoesNotMatch") && !failure.contains("not-the-secret"))
    }

    @Test func aProfileAssumesARoleFromItsSourceProfile() async throws {
        let moto = try await MotoServer.running()
        let dir = TestPaths.temporaryDirectory()
        try """
        [profile deploy]
        role_arn = \(moto.roleARN)
        source_profile = base
        role_session_name = rampart-ci
        region = \(moto.region)
        """.write(toFile: dir + "/config", atomically: true, encoding: .utf8)
        try """
        [base]
        aws_access_key_id = \(moto.credentials.accessKeyID)
        aws_secret_access_key = \(moto.credentials.secretAccessKey)
        """.write(toFile: dir + "/credentials", atomically: true, encoding: .utf8)
        let setup = AWSSetup.load(environment: [
            "AWS_CONFIG_FILE": dir + "/config", "AWS_SHARED_CREDENTIALS_FILE": dir + "/credentials", "AWS_PROFILE": "deploy",
            "AWS_ENDPOINT_URL": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
        ])
        #expect(setup.region() == moto.region)
        let provider = AWSCredentialProvider.standard(setup: setup)
        let keys = try await provider.current()
        #expect(keys.accessKeyID.hasPrefix("ASIA") && keys.sessionToken != nil && keys.expiration != nil)
        #expect(await provider.sourceName?.contains("profile deploy") == true)
        let sns = AWSClient(service: .sns, region: moto.region, endpoint: setup.endpoint(.sns, region: moto.region), credentials: provider)
        _ = try await sns.query("ListTopics", version: "2010-03-31")
    }

    @Test func webIdentityFromTheEnvironmentGivesTemporaryCredentials() async throws {
        // A server of its own: the unsigned pass below must go to this test's request.
        let moto = try await MotoServer.ownChecked()
        let dir = TestPaths.temporaryDirectory()
        try "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOnJhbXBhcnQifQ.c2ln".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        let setup = AWSSetup(
            environment: [
                "AWS_ROLE_ARN": moto.roleARN, "AWS_WEB_IDENTITY_TOKEN_FILE": dir + "/token", "AWS_ROLE_SESSION_NAME": "gh-actions",
                "AWS_REGION": moto.region, "AWS_ENDPOINT_URL_STS": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
            ], files: AWSConfigFile())
        try await moto.allowUnsigned(1)
        let provider = AWSCredentialProvider.standard(setup: setup)
        let keys = try await provider.current()
        #expect(keys.accessKeyID.hasPrefix("ASIA") && keys.sessionToken != nil)
        #expect(await provider.sourceName?.hasPrefix("web identity") == true)
        // The temporary credentials sign with their session token, and moto checks them.
        _ = try await moto.client(.sns, credentials: keys).query("ListTopics", version: "2010-03-31")
    }
}

/// Counts calls from concurrent code.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}

/// `credential_process` through the engine's process runner: standard output is the JSON,
/// standard error (the helper's own chatter) is not read.
@Suite struct CredentialProcessRunnerTests {
    @Test func theHelpersOutputIsReadAndItsErrorsAreNot() async throws {
        let run = AWSRuntime.runner(environment: ["HELPER_SECRET": "from-the-run-environment"])
        let command =
            #"echo "logging in as ci" >&2; printf '{"Version": 1, "AccessKeyId": "ASIAHELPER", "SecretAccessKey": "%s", "SessionToken": "t"}' "$HELPER_SECRET""#
        let keys = try await ProcessCredentials(command: command, profile: "ci", run: run).fetch()
        #expect(keys?.accessKeyID == "ASIAHELPER" && keys?.secretAccessKey == "from-the-run-environment")
        await #expect(throws: CredentialError("credential_process exited with status 3")) {
            try await ProcessCredentials(command: "exit 3", profile: "ci", run: run).fetch()
        }
    }
}
