import Foundation
import RampartEngine
import RampartTestSupport
import Testing
import Yams

@testable import RampartCore

/// `examples/aws/`: the CloudFormation template passes cfn-lint (from PyPI, installed beside
/// moto by `make test`), the stages' commands are the ones its README shows, and the package
/// stage's version rewrite gives a spec that validates with the new versions.
struct CodePipelineExampleTests {
    static let directory = CLI.repository + "/examples/aws"

    static func sh(_ argv: [String], stdin: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        // Standard input from a file: a pipe would break (and trap Foundation's write) when the
        // script refuses its arguments before reading.
        if let stdin {
            let file = CLI.temporaryDirectory() + "/stdin"
            try stdin.write(toFile: file, atomically: true, encoding: .utf8)
            p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: file))
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        try p.run()
        // Read both to the end before waiting: a full pipe would stop the child.
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test func theTemplatePassesCfnLint() throws {
        let lint = CLI.repository + "/.build/moto-venv/bin/cfn-lint"
        #expect(FileManager.default.isExecutableFile(atPath: lint), "cfn-lint is installed by `make test` (make moto)")
        let r = try Self.sh([lint, Self.directory + "/pipeline.yaml"])
        #expect(r.status == 0, "cfn-lint: \(r.stdout)\(r.stderr)")
        // cfn-lint fails on a broken template: the check can fail.
        let broken = try String(contentsOfFile: Self.directory + "/pipeline.yaml", encoding: .utf8)
            .replacingOccurrences(of: "ProjectName: !Ref CanaryProject", with: "ProjectName: !Ref NoSuchProject")
        let file = CLI.temporaryDirectory() + "/broken.yaml"
        try broken.write(toFile: file, atomically: true, encoding: .utf8)
        let refused = try Self.sh([lint, file])
        #expect(refused.status != 0 && refused.stdout.contains("NoSuchProject"), "\(refused.stdout)")
    }

    /// Every command of every buildspec, in stage order.
    static func commands(_ file: String) throws -> [String] {
        let yaml = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
        let root = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        #expect(root["version"] as? Double == 0.2, "\(file): buildspec version 0.2")
        let phases = try #require(root["phases"] as? [String: Any])
        var out: [String] = []
        for phase in ["install", "pre_build", "build", "post_build"] {
            for item in ((phases[phase] as? [String: Any])?["commands"] as? [Any]) ?? [] {
                // An unquoted `: ` makes a command a mapping, which CodeBuild refuses.
                guard let command = item as? String else {
                    Issue.record("\(file): \(phase) has a command that YAML reads as \(type(of: item)): \(item)")
                    continue
                }
                out.append(command)
            }
        }
        return out
    }

    @Test func theBuildspecsRunTheCommandsTheReadmeShows() throws {
        let readme = try String(contentsOfFile: Self.directory + "/README.md", encoding: .utf8)
        var shown = 0
        for file in ["buildspec-package.yml", "buildspec-gates.yml", "buildspec-canary.yml"] {
            for command in try Self.commands(file) where command.hasPrefix("rampart ") || command.contains("aws ") || command.contains("set-versions")
            {
                #expect(readme.contains(command), "\(file): `\(command)` is not in examples/aws/README.md")
                shown += 1
            }
        }
        #expect(shown == 9, "the package stage's five, the gates' two, the canary's two (recover, run)")
        // The JUnit file `rampart eval` writes is the one the test report collects.
        let gates = try #require(
            try Yams.load(yaml: String(contentsOfFile: Self.directory + "/buildspec-gates.yml", encoding: .utf8)) as? [String: Any])
        let report = try #require((gates["reports"] as? [String: Any])?["rampart-gates"] as? [String: Any])
        let collected = (report["base-directory"] as? String ?? "") + "/" + ((report["files"] as? [String])?.first ?? "")
        #expect(try Self.commands("buildspec-gates.yml").contains { $0.contains("--junit \(collected)") }, "the report collects \(collected)")
        #expect(report["file-format"] as? String == "JUNITXML")
    }

    @Test func thePackageStageWritesTheReleasesVersionsIntoAValidSpec() throws {
        let script = Self.directory + "/set-versions.sh"
        let template = try String(contentsOfFile: CLI.repository + "/examples/aws.yaml", encoding: .utf8)
        let r = try Self.sh([script, "11", "12"], stdin: template)
        #expect(r.status == 0, "\(r.stderr)")
        let spec = try SpecLoader.parse(r.stdout, file: "release.yaml", directory: CLI.repository + "/examples", kinds: RunAssembly.kinds)
        #expect(spec.baseline.version == "11" && spec.candidate.version == "12")
        guard case .kind(let settings) = spec.canary?.router, let alias = settings as? LambdaAliasRouter else {
            Issue.record("the release's router is not the Lambda alias: \(String(describing: spec.canary?.router))")
            return
        }
        #expect(alias.baselineVersion == "11" && alias.candidateVersion == "12")
        // Only the four version lines changed.
        let changed = zip(template.split(separator: "\n"), r.stdout.split(separator: "\n")).filter { $0 != $1 }
        #expect(changed.count == 4, "\(changed)")
        // A version that is not a number, or a spec without the four lines, stops the stage.
        #expect(try Self.sh([script, "11", "$LATEST"], stdin: template).status == 64)
        #expect(try Self.sh([script, "11", "11"], stdin: template).status == 64)
        #expect(try Self.sh([script, "11", "12"], stdin: "format: 1\nname: x\n").status == 65)
    }
}
