import Foundation
import RampartCore
import Testing

@testable import RampartAWS

/// The shared config files, region and endpoint resolution, as the AWS CLI reads them.
@Suite struct AWSSetupTests {
    let config = """
        # a comment
        [default]
        region = us-east-1
        [profile dev]
        Region = eu-west-1
        role_arn = arn:aws:iam::123456789012:role/deployer
        source_profile = base
        services = local
        s3 =
          max_concurrent_requests = 10
        [services local]
        sns =
          endpoint_url = http://127.0.0.1:5000
        bedrock_runtime =
          endpoint_url = http://127.0.0.1:5001
        [ignored]
        region = nowhere-1
        """
    let credentials = """
        [base]
        aws_access_key_id = AKIABASE
        aws_secret_access_key = base/secret+key
        ; comment
        [dev]
        region = ap-south-1
        """

    @Test func profilesFromBothFilesWithTheCredentialsFileWinning() {
        let files = AWSConfigFile(config: config, credentials: credentials)
        #expect(files.value("region", profile: "default") == "us-east-1")
        #expect(files.value("region", profile: "dev") == "ap-south-1")  // credentials file wins, keys lower-cased
        #expect(files.value("aws_secret_access_key", profile: "base") == "base/secret+key")
        #expect(files.profiles["ignored"] == nil)  // `[name]` without `profile` means nothing in the config file
        #expect(files.value("s3", profile: "dev") == nil)
        #expect(files.services["local"]?["bedrock_runtime"]?["endpoint_url"] == "http://127.0.0.1:5001")
    }

    @Test func regionFromSpecThenEnvironmentThenProfile() {
        let files = AWSConfigFile(config: config, credentials: nil)
        #expect(AWSSetup(environment: [:], files: files).region() == "us-east-1")
        #expect(AWSSetup(environment: ["AWS_PROFILE": "dev"], files: files).region() == "eu-west-1")
        #expect(AWSSetup(environment: ["AWS_PROFILE": "dev", "AWS_DEFAULT_REGION": "sa-east-1"], files: files).region() == "sa-east-1")
        let both = AWSSetup(environment: ["AWS_REGION": "eu-north-1", "AWS_DEFAULT_REGION": "sa-east-1"], files: files)
        #expect(both.region() == "eu-north-1" && both.region("ca-central-1") == "ca-central-1")
        #expect(AWSSetup(environment: [:], files: AWSConfigFile()).region() == nil)
        #expect(AWSRegionName.valid("eu-west-1") && !AWSRegionName.valid("eu-west-1.evil.com/") && !AWSRegionName.valid(""))
        // A region from the environment becomes a host name too: one that is not a region is none.
        let hostile = AWSSetup(environment: ["AWS_REGION": "evil.example/x?"], files: files)
        #expect(hostile.region() == nil && hostile.configuredRegion() == "evil.example/x?")
    }

    @Test func endpointsInTheSDKsOrder() {
        let files = AWSConfigFile(config: config, credentials: nil)
        let plain = AWSSetup(environment: [:], files: files)
        #expect(plain.endpoint(.bedrockRuntime, region: "eu-west-1") == "https://bedrock-runtime.eu-west-1.amazonaws.com")
        #expect(plain.endpoint(.cloudWatch, region: "cn-north-1") == "https://monitoring.cn-north-1.amazonaws.com.cn")
        let dev = AWSSetup(environment: ["AWS_PROFILE": "dev"], files: files)
        #expect(dev.endpoint(.bedrockRuntime, region: "eu-west-1") == "http://127.0.0.1:5001")
        #expect(dev.endpoint(.sts, region: "eu-west-1") == "https://sts.eu-west-1.amazonaws.com")
        let env = AWSSetup(
            environment: ["AWS_PROFILE": "dev", "AWS_ENDPOINT_URL": "http://all:1", "AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://br:2"], files: files)
        #expect(env.endpoint(.bedrockRuntime, region: "x") == "http://br:2")  // the service's variable wins
        #expect(env.endpoint(.sns, region: "x") == "http://127.0.0.1:5000")  // then the profile's services section
        #expect(env.endpoint(.sts, region: "x") == "http://all:1")
        #expect(env.endpoint(.sts, region: "x", fromSpec: "http://spec:3") == "http://spec:3")
        let ignored = AWSSetup(environment: ["AWS_ENDPOINT_URL": "http://all:1", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"], files: files)
        #expect(ignored.endpoint(.sns, region: "eu-west-1") == "https://sns.eu-west-1.amazonaws.com")
        #expect(AWSService.bedrockRuntime.environmentSuffix == "BEDROCK_RUNTIME" && AWSService.cloudWatch.configKey == "cloudwatch")
    }

    @Test func filesAreFoundThroughTheEnvironment() throws {
        let dir = NSTemporaryDirectory() + "rampart-aws-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/.aws", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[default]\nregion = eu-central-1\n".write(toFile: dir + "/.aws/config", atomically: true, encoding: .utf8)
        try "[profile x]\nregion = us-west-2\n".write(toFile: dir + "/elsewhere", atomically: true, encoding: .utf8)
        #expect(AWSSetup.load(environment: ["HOME": dir]).region() == "eu-central-1")
        let moved = AWSSetup.load(environment: ["HOME": dir, "AWS_CONFIG_FILE": dir + "/elsewhere", "AWS_PROFILE": "x"])
        #expect(moved.region() == "us-west-2" && moved.profileNamed)
    }
}
