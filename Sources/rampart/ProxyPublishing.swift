import Foundation
import RampartAWS
import RampartCore
import RampartEngine

/// `rampart proxy --cloudwatch-namespace`: what the proxy (or meter) served, sent to CloudWatch
/// every `--cloudwatch-every` seconds of wall time, one call after another, without holding up
/// the traffic; each publication is a line on stdout, a failure a line on stderr.
final class ProxyPublishing {
    private let publisher: any MetricPublisher
    private let interval: Double
    private var lastSent = ContinuousClock.now
    private var last: Task<Void, Never>?

    init(_ settings: CloudWatchPublisher, variants: [Variant]) throws {
        let environment = ProcessInfo.processInfo.environment
        let aws = AWSRuntime(environment: environment)
        guard let region = aws.setup.region() else {
            throw ProxyPublishingError.noRegion(aws.setup.configuredRegion())
        }
        publisher = settings.publisher(aws: aws, region: region, variants: variants)
        interval = settings.interval
    }

    var announcement: String { "publishing to \(publisher.name) every \(DurationText.format(interval))" }

    func publishIfDue(_ live: LiveBox) {
        guard ContinuousClock.now - lastSent >= .seconds(interval) else { return }
        lastSent = ContinuousClock.now
        send(live.takeWindow())
    }

    func finish(_ live: LiveBox) async {
        send(live.takeWindow())
        await last?.value
    }

    private func send(_ window: MetricWindow) {
        guard !window.isEmpty else { return }
        let previous = last
        let publisher = publisher
        last = Task {
            await previous?.value
            let counts = Variant.allCases.compactMap { v in window.arms[v].map { "\(v.rawValue) n \($0.requests)" } }.joined(separator: ", ")
            do {
                try await publisher.publish(window, at: Date())
                print("\(Timestamp.now())  published to \(publisher.name): \(counts)")
            } catch {
                Console.error("\(Timestamp.now())  warning: not published to \(publisher.name) (\(counts)): \(error)")
            }
            fflush(nil)
        }
    }
}

enum ProxyPublishingError: Error, CustomStringConvertible {
    case noRegion(String?)

    var description: String {
        switch self {
        case .noRegion(let configured?): "--cloudwatch-namespace: the configured AWS region '\(configured)' is not a region name"
        case .noRegion(nil): "--cloudwatch-namespace: no AWS region (set AWS_REGION, AWS_DEFAULT_REGION or region in the AWS profile)"
        }
    }
}
