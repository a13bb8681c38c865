import Foundation
import RampartCore

// Only declarations: built with `--sanitize=fuzzer`, libFuzzer supplies `main` and calls the
// entry point below with each input.

/// What one input is fed to, chosen by `RAMPART_FUZZ_TARGET` (a libFuzzer binary has one entry
/// point; one binary for all five keeps the build to one).
enum FuzzTarget: String, CaseIterable {
    case spec, dataset, runfile, score, control

    static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["RAMPART_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("RAMPART_FUZZ_TARGET must be one of: \(allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
            exit(64)
        }
        return target
    }()

    /// Errors are the expected answer to most inputs; a crash, a trap or a hang is the finding.
    func run(_ data: Data) {
        switch self {
        case .spec:
            // Through the same checks as a file: long lines and bad UTF-8 first.
            guard let text = try? InputFile.decode(data, file: "fuzz.yaml", what: "the spec") else { return }
            _ = try? SpecLoader.parse(text, file: "fuzz.yaml", directory: "/nonexistent")
            _ = try? SpecLoader.parsePolicy(text, file: "fuzz.yaml")
        case .dataset:
            // One loader per input, by its length: three times the executions of trying all three,
            // and a mutation that changes the length moves the same lines to another loader.
            guard let text = try? InputFile.decode(data, file: "fuzz.jsonl", what: "the dataset") else { return }
            switch data.count % 3 {
            case 0: _ = try? DatasetLoader.golden(text: text, file: "fuzz.jsonl")
            case 1: _ = try? DatasetLoader.guardrail(text: text, file: "fuzz.jsonl")
            default: _ = try? DatasetLoader.injection(text: text, file: "fuzz.jsonl")
            }
        case .runfile:
            guard let text = try? InputFile.decode(data, file: "fuzz.jsonl", what: "the run file") else { return }
            // The fast decoder (and its hand-written metrics and analysis readers) may only ever
            // read what Foundation reads.
            for line in text.split(separator: "\n") {
                var bytes = String(line)
                guard let fast = bytes.withUTF8({ FastJSONDecoder.decode(RunEvent.self, from: UnsafeRawBufferPointer($0)) }) else { continue }
                guard let slow = try? JSONDecoder().decode(RunEvent.self, from: Data(line.utf8)), slow == fast else {
                    fatalError("FastJSONDecoder read \(fast) where Foundation reads otherwise: \(line)")
                }
            }
            if let recording = try? RunFileCodec.parse(text, file: "fuzz.jsonl") {
                // What replay and `runs show` do with a recording that parsed: fold and print it.
                _ = RunSummary.lines(events: recording.events, runFile: "fuzz.jsonl")
                _ = AuditRecord.lines(recording, file: "fuzz.jsonl")
                for event in recording.events { _ = EventLine.format(event) }
            }
        case .score:
            // The first byte picks the metric; the rest is one input line.
            guard let first = data.first else { return }
            let metric = ScoreMetric.allCases[Int(first) % ScoreMetric.allCases.count]
            guard let line = String(validating: data.dropFirst(), as: UTF8.self) else { return }
            let general = ScoreInput.parse(line, metric: metric)
            // The fast line path may only ever read what `parse` reads.
            if let fast = Data(data.dropFirst()).withUnsafeBytes({ ScoreInput.parseFast($0, metric: metric) }) {
                guard case .success(let input) = general, input.candidate == fast.candidate, input.references == fast.references else {
                    fatalError("ScoreInput.parseFast read \(fast.candidate.debugDescription) where parse says \(general)")
                }
            }
            // Token F1 straight from the line's bytes scores what the line's strings score.
            if metric == .tokenF1, let fast = Data(data.dropFirst()).withUnsafeBytes({ ScoreInput.tokenF1Fast($0) }) {
                guard case .success(let input) = general, metric.score(candidate: input.candidate, references: input.references).score == fast.score
                else {
                    fatalError("ScoreInput.tokenF1Fast scored \(fast.score) where parse reads \(general)")
                }
            }
            if case .success(let input) = general {
                _ = metric.score(candidate: input.candidate, references: input.references, parameters: input.parameters)
                // VADER's byte path (taken for ASCII text) agrees with its rules over `String`s.
                let text = input.candidate
                if "\(Vader.polarity(text))" != "\(Vader.general(text))" { fatalError("VADER's fast path disagrees on \(text.debugDescription)") }
            }
        case .control:
            if case .success(let request) = ControlCommandRequest.decode(Array(data)) {
                _ = request.command(peerUID: 1000)
            }
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    FuzzTarget.selected.run(Data(bytes: start, count: count))
    return 0
}
