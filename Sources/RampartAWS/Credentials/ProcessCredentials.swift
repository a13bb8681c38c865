import Foundation

/// `credential_process` in a profile: a command whose standard output is the credentials as
/// JSON (`Version: 1`, `AccessKeyId`, `SecretAccessKey`, `SessionToken`, `Expiration`). Its
/// standard error is the user's to read, never parsed, never logged by Rampart.
public struct ProcessCredentials: CredentialSource {
    /// Runs a command and gives its exit code and standard output (the engine's process runner).
    public typealias Runner = @Sendable (_ command: String, _ timeout: Double) async -> (exitCode: Int32, output: [UInt8])

    public var command: String
    public var profile: String
    public var run: Runner
    public var timeout: Double

    public init(command: String, profile: String, run: @escaping Runner, timeout: Double = 60) {
        self.command = command
        self.profile = profile
        self.run = run
        self.timeout = timeout
    }

    public var name: String { "profile \(profile) (credential_process)" }

    public func fetch() async throws(CredentialError) -> AWSCredentials? {
        let (code, output) = await run(command, timeout)
        guard code == 0 else { throw CredentialError("credential_process exited with status \(code)") }
        if let version = (try? JSONSerialization.jsonObject(with: Data(output)) as? [String: Any])?["Version"] as? Int, version != 1 {
            throw CredentialError("credential_process gave Version \(version); only 1 is defined")
        }
        return try CredentialJSON.parse(output, from: "credential_process")
    }
}
