import Foundation
import RampartNet
import Testing

@testable import RampartAWS

/// Where credentials come from and when they are fetched again, on a fake endpoint and clock.
@Suite struct CredentialChainTests {
    let noMetadata = ["AWS_EC2_METADATA_DISABLED": "true"]

    func chain(
        _ env: [String: String], config: String? = nil, credentials: String? = nil, fake: FakeAWS = FakeAWS(), run: ProcessCredentials.Runner? = nil
    )
        -> AWSCredentialProvider
    {
        .standard(
            setup: AWSSetup(environment: env, files: AWSConfigFile(config: config, credentials: credentials)), transport: fake.transport, run: run)
    }

    @Test func theEnvironmentComesFirstAndHalfAKeyIsAnError() async throws {
        let keys = try await chain(
            noMetadata.merging(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "env", "AWS_SESSION_TOKEN": "t", "AWS_PROFILE": "p"]) {
                a, _ in a
            },
            credentials: "[p]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = x\n"
        ).current()
        #expect(keys.accessKeyID == "AKIAENV" && keys.sessionToken == "t")
        await #expect(throws: CredentialError.self) { try await chain(noMetadata.merging(["AWS_ACCESS_KEY_ID": "AKIA"]) { a, _ in a }).current() }
        do {
            _ = try await chain(noMetadata.merging(["AWS_SECRET_ACCESS_KEY": "only-the-secret"]) { a, _ in a }).current()
        } catch {
            #expect(error.message.contains("AWS_ACCESS_KEY_ID is not") && !error.message.contains("only-the-secret"))
        }
    }

    @Test func nothingAnywhereNamesEveryPlaceLookedIn() async {
        do {
            _ = try await chain(noMetadata).current()
            Issue.record("credentials from nowhere")
        } catch {
            #expect(error.message.hasPrefix("no AWS credentials found"))
            for place in ["environment", "profile default", "container", "instance metadata"] { #expect(error.message.contains(place)) }
        }
        do {
            _ = try await chain(noMetadata.merging(["AWS_PROFILE": "typo"]) { a, _ in a }, config: "[profile dev]\nregion = x\n").current()
            Issue.record("a missing named profile was ignored")
        } catch {
            #expect(error.message.contains("profile 'typo' (AWS_PROFILE) is in neither"))
        }
    }

    @Test func aProfileAssumesItsRoleSignedWithItsSourceProfile() async throws {
        let fake = FakeAWS([{ _ in FakeAWS.stsCredentials("AssumeRole", key: "ASIAROLE", expires: "2026-12-01T01:00:00Z") }])
        let keys = try await chain(
            noMetadata.merging(["AWS_PROFILE": "deploy", "AWS_REGION": "eu-west-1"]) { a, _ in a },
            config: "[profile deploy]\nrole_arn = arn:aws:iam::1:role/d\nsource_profile = base\nexternal_id = ext-1\n",
            credentials: "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = base-secret\n", fake: fake
        ).current()
        #expect(keys.accessKeyID == "ASIAROLE" && keys.sessionToken == "tok-ASIAROLE")
        #expect(keys.expiration == Date(timeIntervalSince1970: 1_796_086_800))
        let sent = try #require(fake.sent.first)
        #expect(sent.url == "https://sts.eu-west-1.amazonaws.com/")
        #expect(sent.header("Authorization")?.contains("Credential=AKIABASE/20261130/eu-west-1/sts/aws4_request") == true)
        #expect(sent.body.contains("Action=AssumeRole&") && sent.body.contains("ExternalId=ext-1") && sent.body.contains("RoleSessionName=rampart-"))
    }

    @Test func profileMistakesAreErrorsNotFallThroughs() async {
        func message(_ config: String, _ credentials: String? = nil) async -> String {
            do {
                _ = try await chain(noMetadata.merging(["AWS_PROFILE": "a"]) { x, _ in x }, config: config, credentials: credentials).current()
                return "no error"
            } catch { return error.message }
        }
        #expect(await message("[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = r\nsource_profile = a\n").contains("in a loop"))
        #expect(await message("[profile a]\nrole_arn = r\nsource_profile = a\nmfa_serial = m\n").contains("MFA"))
        #expect(await message("[profile a]\nrole_arn = r\n").contains("without source_profile"))
        #expect(await message("[profile a]\nsso_session = corp\n").contains("export-credentials --profile a --format process"))
        #expect(await message("[profile a]\naws_access_key_id = AKIA\n").contains("only one of"))
        #expect(await message("[profile a]\nrole_arn = r\ncredential_source = Moon\n").contains("not one of Environment"))
    }

    @Test func credentialProcessGivesItsJSON() async throws {
        let json = #"{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "p", "SessionToken": "pt", "Expiration": "2026-12-01T00:30:00Z"}"#
        let seen = LockedBox<String>("")
        let run: ProcessCredentials.Runner = { command, _ in
            seen.set(command)
            return command.contains("fail") ? (3, []) : (0, Array(json.utf8))
        }
        let keys = try await chain(noMetadata, config: "[default]\ncredential_process = /opt/bin/creds --role ci\n", run: run).current()
        #expect(keys.accessKeyID == "ASIAPROC" && keys.sessionToken == "pt" && seen.get() == "/opt/bin/creds --role ci")
        await #expect(throws: CredentialError("profile default (~/.aws/config, ~/.aws/credentials): credential_process exited with status 3")) {
            try await chain(noMetadata, config: "[default]\ncredential_process = fail\n", run: run).current()
        }
    }

    @Test func theContainerEndpointGetsItsTokenAndOnlySafeHosts() async throws {
        let dir = NSTemporaryDirectory() + "rampart-token-\(UUID().uuidString)"
        try "eks-pod-token\n".write(toFile: dir, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fake = FakeAWS([
            { _ in FakeAWS.response(200, #"{"AccessKeyId":"ASIACONT","SecretAccessKey":"c","Token":"ct","Expiration":"2026-12-01T06:00:00Z"}"#) }
        ])
        let keys = try await chain(
            noMetadata.merging([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://169.254.170.23/v1/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": dir,
            ]) { a, _ in a }, fake: fake
        ).current()
        #expect(keys.accessKeyID == "ASIACONT" && fake.sent.first?.header("Authorization") == "eks-pod-token")
        await #expect(throws: CredentialError.self) {
            try await chain(noMetadata.merging(["AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://evil.example/creds"]) { a, _ in a }).current()
        }
        let relative = FakeAWS([{ _ in FakeAWS.response(200, #"{"AccessKeyId":"ASIAECS","SecretAccessKey":"e","Token":"et"}"#) }])
        _ = try await chain(noMetadata.merging(["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/creds/abc"]) { a, _ in a }, fake: relative).current()
        #expect(relative.sent.first?.url == "http://169.254.170.2/v2/creds/abc")
    }

    @Test func instanceMetadataUsesASessionTokenAndIsSkippedWhenAbsent() async throws {
        let fake = FakeAWS([
            { s in FakeAWS.response(s.method == "PUT" && s.header("X-aws-ec2-metadata-token-ttl-seconds") == "21600" ? 200 : 400, "imds-token") },
            { s in FakeAWS.response(s.header("X-aws-ec2-metadata-token") == "imds-token" ? 200 : 401, "ci-runner-role\n") },
            { s in
                FakeAWS.response(
                    s.url.hasSuffix("/ci-runner-role") ? 200 : 404,
                    #"{"Code":"Success","AccessKeyId":"ASIAIMDS","SecretAccessKey":"i","Token":"it","Expiration":"2026-12-01T06:00:00Z"}"#)
            },
        ])
        let keys = try await chain(["AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:1338/"], fake: fake).current()
        #expect(keys.accessKeyID == "ASIAIMDS" && fake.sent.count == 3 && fake.sent[0].url == "http://127.0.0.1:1338/latest/api/token")
        let absent = FakeAWS([FakeAWS.timedOut])
        await #expect(throws: CredentialError.self) { try await chain([:], fake: absent).current() }  // no IMDS: nothing found, not a hang
    }

    @Test func temporaryCredentialsAreFetchedAgainBeforeTheyExpire() async throws {
        let fake = FakeAWS()
        let source = CountingSource(fake: fake, lifetime: 3600)
        let provider = AWSCredentialProvider([source], now: { fake.now })
        let first = try await provider.current()
        fake.advance(3600 - AWSCredentialProvider.refreshMargin - 1)
        #expect(try await provider.current() == first && source.count == 1)
        fake.advance(2)  // inside the margin
        let second = try await provider.current()
        #expect(second != first && source.count == 2)
        // A refresh that fails keeps the old credentials while they are valid, then fails.
        source.failing = true
        fake.advance(3600 - AWSCredentialProvider.refreshMargin + 1)
        #expect(try await provider.current() == second && source.count == 3)
        fake.advance(AWSCredentialProvider.refreshMargin)
        await #expect(throws: CredentialError.self) { try await provider.current() }
        // Many callers at once share one fetch.
        source.failing = false
        await withTaskGroup(of: Void.self) { g in
            for _ in 0..<20 { g.addTask { _ = try? await provider.current() } }
        }
        #expect(source.count == 5)
    }
}

final class CountingSource: CredentialSource, @unchecked Sendable {
    let fake: FakeAWS
    let lifetime: Double
    private let lock = NSLock()
    private var n = 0
    private var fail = false
    init(fake: FakeAWS, lifetime: Double) {
        self.fake = fake
        self.lifetime = lifetime
    }
    var count: Int { lock.withLock { n } }
    var failing: Bool {
        get { lock.withLock { fail } }
        set { lock.withLock { fail = newValue } }
    }
    var name: String { "counting" }
    func fetch() async throws(CredentialError) -> AWSCredentials? {
        let (i, f) = lock.withLock {
            n += 1
            return (n, fail)
        }
        // A fetch takes a moment, so concurrent callers overlap it.
        try? await Task.sleep(for: .milliseconds(20))
        if f { throw CredentialError("STS is down") }
        return AWSCredentials(accessKeyID: "ASIA\(i)", secretAccessKey: "s\(i)", sessionToken: "t\(i)", expiration: fake.now + lifetime)
    }
}

final class LockedBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func set(_ v: T) { lock.withLock { value = v } }
    func get() -> T { lock.withLock { value } }
}
