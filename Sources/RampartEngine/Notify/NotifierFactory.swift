import Foundation
import RampartCore

/// The spec's notification channels, for the engine and for `rampart recover`.
public enum NotifierFactory {
    public static func make(_ spec: PipelineSpec, environment: [String: String] = ProcessInfo.processInfo.environment) -> [(spec: NotifySpec, notifier: any Notifier)] {
        spec.notify.map { n in
            switch n.kind {
            case .file(let path): (n, FileNotifier(path: path))
            case .command(let run, let timeout): (n, CommandNotifier(command: run, directory: spec.directory, timeout: timeout))
            case .webhook(let url, let fromEnvironment, let timeout, let retries):
                (n, WebhookNotifier(url: fromEnvironment ? environment[url] ?? "" : url, timeout: timeout, retries: retries))
            }
        }
    }
}
