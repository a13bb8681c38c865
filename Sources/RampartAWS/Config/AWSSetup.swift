import Foundation
import RampartCore

/// Where Rampart finds AWS: the run's environment and the shared config files of the profile it
/// names. Region and endpoints are resolved here, in the order the AWS SDKs use, so the same
/// machine that works with the AWS CLI works with Rampart.
public struct AWSSetup: Sendable {
    public var environment: [String: String]
    public var files: AWSConfigFile
    /// `AWS_PROFILE`, else `AWS_DEFAULT_PROFILE`, else `default`.
    public var profile: String
    /// Whether `profile` was asked for by name: a named profile that is not in the files is an
    /// error, while a missing `default` only means there are no files.
    public var profileNamed: Bool

    public init(environment: [String: String], files: AWSConfigFile) {
        self.environment = environment
        self.files = files
        let named = [environment["AWS_PROFILE"], environment["AWS_DEFAULT_PROFILE"]].compactMap { $0 }.first { !$0.isEmpty }
        profile = named ?? "default"
        profileNamed = named != nil
    }

    /// Reads `AWS_CONFIG_FILE` (default `~/.aws/config`) and `AWS_SHARED_CREDENTIALS_FILE`
    /// (default `~/.aws/credentials`), `~` being the environment's `HOME`.
    public static func load(environment: [String: String]) -> AWSSetup {
        let home = environment["HOME"] ?? NSHomeDirectory()
        func path(_ variable: String, _ fallback: String) -> String {
            let p = environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
            return p.hasPrefix("~/") ? home + p.dropFirst() : p
        }
        let config = try? String(contentsOfFile: path("AWS_CONFIG_FILE", home + "/.aws/config"), encoding: .utf8)
        let credentials = try? String(contentsOfFile: path("AWS_SHARED_CREDENTIALS_FILE", home + "/.aws/credentials"), encoding: .utf8)
        return AWSSetup(environment: environment, files: AWSConfigFile(config: config, credentials: credentials))
    }

    /// The profile's settings, or nil when it is not in either file.
    public var profileSettings: AWSConfigFile.Section? { files.profiles[profile] }

    public func setting(_ key: String, profile: String? = nil) -> String? { files.value(key, profile: profile ?? self.profile) }

    /// The spec's region, else `AWS_REGION`, `AWS_DEFAULT_REGION`, the profile's `region`; nil
    /// when the first one set is not a region name (it would become part of a host name).
    public func region(_ fromSpec: String? = nil) -> String? {
        configuredRegion(fromSpec).flatMap { AWSRegionName.valid($0) ? $0 : nil }
    }

    /// The first region set, valid or not, for saying what is wrong with it.
    public func configuredRegion(_ fromSpec: String? = nil) -> String? {
        [fromSpec, environment["AWS_REGION"], environment["AWS_DEFAULT_REGION"], setting("region")]
            .compactMap { $0 }.first { !$0.isEmpty }
    }

    /// The base URL for `service`: the spec's, else `AWS_ENDPOINT_URL_<SERVICE>`, the profile's
    /// `[services …]` entry, `AWS_ENDPOINT_URL`, the profile's `endpoint_url` (unless
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` is true), else the service's public endpoint.
    public func endpoint(_ service: AWSService, region: String, fromSpec: String? = nil) -> String {
        if let fromSpec, !fromSpec.isEmpty { return fromSpec }
        if environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"]?.lowercased() != "true" {
            let servicesSection = setting("services").flatMap { files.services[$0] }
            let configured = [
                environment["AWS_ENDPOINT_URL_" + service.environmentSuffix], servicesSection?[service.configKey]?["endpoint_url"],
                environment["AWS_ENDPOINT_URL"], setting("endpoint_url"),
            ]
            if let url = configured.compactMap({ $0 }).first(where: { !$0.isEmpty }) { return url }
        }
        let suffix = region.hasPrefix("cn-") ? "amazonaws.com.cn" : "amazonaws.com"
        return "https://\(service.endpointPrefix).\(region).\(suffix)"
    }
}
