import Foundation
import RampartCore
import RampartNet
import Testing

@testable import RampartAWS

/// Signed calls, the standard retry mode and expired credentials, on a fake endpoint.
@Suite struct AWSClientTests {
    let throttled = FakeAWS.response(
        429, #"{"message":"Too many requests"}"#, headers: [("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/")])

    func client(_ fake: FakeAWS, _ provider: AWSCredentialProvider? = nil) -> AWSClient {
        AWSClient(
            service: .bedrockRuntime, region: "eu-west-1", endpoint: "https://bedrock-runtime.eu-west-1.amazonaws.com/",
            credentials: provider
                ?? AWSCredentialProvider(credentials: AWSCredentials(accessKeyID: "AKIATEST", secretAccessKey: "s"), now: { fake.now }),
            transport: fake.transport)
    }

    @Test func throttlingIsRetriedWithBackoffUpToThreeAttempts() async throws {
        let fake = FakeAWS([{ _ in self.throttled }, { _ in self.throttled }, { _ in FakeAWS.response(200, #"{"ok":true}"#) }])
        let body = try await client(fake).restJSON("POST", path: "/model/m/converse", body: Array("{}".utf8))
        #expect(String(decoding: body, as: UTF8.self) == #"{"ok":true}"#)
        #expect(fake.sent.count == 3 && fake.slept == [0.75, 1.5])  // 1 s then 2 s, jitter ½ of the way to the full wait
        let always = FakeAWS([{ _ in self.throttled }, { _ in self.throttled }, { _ in self.throttled }, { _ in FakeAWS.response(200, "{}") }])
        do {
            _ = try await client(always).restJSON("POST", path: "/x", body: [])
            Issue.record("a fourth attempt was made")
        } catch {
            #expect(error.code == "ThrottlingException" && error.requestFailure.kind == .rateLimited)
        }
        #expect(always.sent.count == 3)
    }

    @Test func aRequestErrorIsNotRetried() async {
        let fake = FakeAWS([
            { _ in
                FakeAWS.response(
                    400, #"{"message":"The provided model identifier is invalid."}"#, headers: [("x-amzn-ErrorType", "ValidationException")])
            }
        ])
        await #expect(
            throws: AWSCallError.service(AWSError(code: "ValidationException", message: "The provided model identifier is invalid.", status: 400))
        ) {
            try await client(fake).restJSON("POST", path: "/model/x/converse", body: [])
        }
        #expect(fake.sent.count == 1 && fake.slept.isEmpty)
    }

    @Test func expiredCredentialsAreFetchedAgainOnce() async throws {
        let fake = FakeAWS([
            { _ in FakeAWS.response(400, #"{"__type":"ExpiredTokenException","message":"The security token included in the request is expired"}"#) },
            { _ in FakeAWS.response(200, "{}") },
        ])
        let source = CountingSource(fake: fake, lifetime: 3600)
        _ = try await client(fake, AWSCredentialProvider([source], now: { fake.now })).json(
            target: "GraniteServiceVersion20100801.GetMetricData", body: [])
        #expect(source.count == 2 && fake.sent.count == 2 && fake.slept.isEmpty)
        #expect(fake.sent[0].header("Authorization")?.contains("Credential=ASIA1/") == true)
        #expect(fake.sent[1].header("Authorization")?.contains("Credential=ASIA2/") == true)
        #expect(fake.sent[1].header("X-Amz-Security-Token") == "t2")
    }

    @Test func queryCallsAreFormEncodedAsBotocoreEncodesThem() async throws {
        let fake = FakeAWS([
            { _ in FakeAWS.response(200, "<PublishResponse><PublishResult><MessageId>m-1</MessageId></PublishResult></PublishResponse>") }
        ])
        var c = client(fake)
        c.service = .sns
        let answer = try await c.query("Publish", version: "2010-03-31", [("Message", "a b&c=d ✅"), ("Subject", "x~y")])
        #expect(answer.first("MessageId") == "m-1")
        let sent = try #require(fake.sent.first)
        #expect(sent.body == "Action=Publish&Version=2010-03-31&Message=a+b%26c%3Dd+%E2%9C%85&Subject=x~y")
        #expect(sent.header("Content-Type") == "application/x-www-form-urlencoded; charset=utf-8")
        #expect(sent.header("Authorization")?.contains("/eu-west-1/sns/aws4_request") == true && sent.header("X-Amz-Date") == "20261130T235958Z")
    }

    @Test func noCredentialsIsOneErrorAndNothingSent() async {
        let fake = FakeAWS()
        let none = AWSCredentialProvider([EnvironmentCredentials(environment: [:])], now: { fake.now })
        do {
            _ = try await client(fake, none).restJSON("POST", path: "/x", body: [])
        } catch {
            #expect(error.requestFailure.kind == .missingKey && "\(error)".contains("no AWS credentials found"))
        }
        #expect(fake.sent.isEmpty)
    }
}
