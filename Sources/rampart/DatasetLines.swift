import Foundation
import RampartCore

/// Which line of its dataset each item came from, for annotations that open the failing case.
/// Read only when asked (a gate failed), from the files the gates named; an item that cannot be
/// found is annotated without a place rather than at a wrong one.
final class DatasetLines {
    private let gates: [String: String]
    private var cache: [String: [String: Int]] = [:]

    init(gates: [GateSpec]) {
        self.gates = Dictionary(gates.map { ($0.name, $0.dataset) }, uniquingKeysWith: { a, _ in a })
    }

    func locate(gate: String, item: String) -> GitHubAnnotations.Location? {
        guard let file = gates[gate] else { return nil }
        if cache[file] == nil { cache[file] = Self.lines(of: file) }
        guard let line = cache[file]?[item] else { return nil }
        return .init(file: Self.relative(file), line: line)
    }

    /// Item id → 1-based line, as the dataset loader numbers them.
    static func lines(of file: String) -> [String: Int] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return [:] }
        var out: [String: Int] = [:]
        for (index, line) in TextLines.split(text).enumerated() {
            guard line.contains("\"id\""), let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            let id = (object["id"] as? String) ?? (object["id"] as? NSNumber).map { "\($0)" }
            if let id, out[id] == nil { out[id] = index + 1 }
        }
        return out
    }

    /// GitHub wants paths from the workspace root; the job runs there, so relative to here.
    static func relative(_ path: String) -> String {
        let here = FileManager.default.currentDirectoryPath + "/"
        let absolute = path.hasPrefix("/") ? path : here + path
        let standard = URL(fileURLWithPath: absolute).standardized.path
        return standard.hasPrefix(here) ? String(standard.dropFirst(here.count)) : standard
    }
}
