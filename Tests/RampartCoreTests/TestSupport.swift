import Foundation

@testable import RampartCore

/// Paths of the test fixtures and the repository's examples, found from this source file so the
/// tests run the same from `swift test`, Xcode or any working directory.
enum Paths {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static func fixture(_ relative: String) -> String { (fixtures as NSString).appendingPathComponent(relative) }
    static func example(_ relative: String) -> String { (repository as NSString).appendingPathComponent("examples/\(relative)") }

    static func temporaryDirectory() -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("rampart-tests-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

func loadJSON(_ path: String) throws -> [String: Any] {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// For tests that hand files to the loaders: write one, and see the first problem reported.
protocol InputFileTesting {}

extension InputFileTesting {
    /// `bytes` as `name` in a new temporary directory; its path.
    func write(_ bytes: [UInt8], _ name: String = "input") throws -> String {
        let path = Paths.temporaryDirectory() + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// The first problem reported, nil when the input was accepted.
    func only(_ body: () throws -> Void) -> Diagnostic? {
        do {
            try body()
            return nil
        } catch {
            return (error as? InvalidInput)?.diagnostics.first
        }
    }
}
