import Foundation

/// Validates JUnit XML against the schema strict CI parsers use (`Fixtures/junit-10.xsd`, see
/// `Fixtures/README.md`) with xmllint, the validator Debian ships in libxml2-utils.
enum JUnitSchema {
    static let xsd = CLI.repository + "/Tests/RampartCLITests/Fixtures/junit-10.xsd"

    /// nil when `file` is valid; otherwise xmllint's complaint (or why it could not run).
    static func problems(_ file: String) async throws -> String? {
        let r = try await CLI.run(["xmllint", "--noout", "--schema", xsd, file], executable: "/usr/bin/env")
        return r.status == 0 ? nil : "exit \(r.status): \(r.stderr)\(r.stdout)"
    }
}
