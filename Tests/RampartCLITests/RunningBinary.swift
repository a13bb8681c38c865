import Foundation

/// The binary started in the background with its output collected as it arrives, so a test
/// waits for what the binary says (it is listening, it has reported) instead of guessing how
/// long that takes on a loaded machine.
final class RunningBinary: @unchecked Sendable {
    let process: Process
    private let pipe = Pipe()
    private let lock = NSLock()
    private var collected = ""

    init(_ args: [String], in directory: String = CLI.repository, environment: [String: String] = [:]) throws {
        process = CLI.process(args, in: directory, environment: environment)
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.append(data)
        }
        try process.run()
    }

    deinit {
        pipe.fileHandleForReading.readabilityHandler = nil
        if process.isRunning { process.terminate() }
    }

    private func append(_ data: Data) {
        lock.withLock { collected += String(decoding: data, as: UTF8.self) }
    }

    /// Everything written to stdout and stderr so far.
    var output: String {
        lock.withLock { collected }
    }

    /// Polls the output until `condition` holds or the process ends. The deadline is generous
    /// because it only bounds a failure: on a passing run the wait ends at readiness.
    func waitFor(timeout: Double = 120, _ condition: (String) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(output) { return true }
            if !process.isRunning { return condition(output) }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return condition(output)
    }

    /// The port from the binary's `on http://host:PORT` announcement once it is listening.
    func listeningPort(timeout: Double = 120) async -> Int? {
        func port(in text: String) -> Int? {
            guard let r = text.range(of: #"on http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return nil }
            return Int(text[r].split(separator: ":").last ?? "")
        }
        _ = await waitFor(timeout: timeout) { port(in: $0) != nil }
        return port(in: output)
    }

    /// Sends SIGINT and waits for the exit off the cooperative pool; returns the exit status
    /// and the whole output, read to its end.
    func interruptAndWait() async -> (status: Int32, output: String) {
        process.interrupt()
        await CLI.exit(of: process)
        pipe.fileHandleForReading.readabilityHandler = nil
        append(pipe.fileHandleForReading.readDataToEndOfFile())
        return (process.terminationStatus, output)
    }
}
