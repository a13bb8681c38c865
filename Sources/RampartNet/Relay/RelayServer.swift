import Foundation
import Glibc
import RampartCore

/// The proxy's HTTP/1.1 front: one epoll thread per core sharing a listening socket, each
/// relaying whole plain-HTTP exchanges between its clients and its own upstream connections,
/// and handing everything else (streams, TLS upstreams, `/metrics`, errors) to the proxy's async
/// handler. It keeps `HTTPServer`'s behaviour: keep-alive and pipelining in order, 413 over
/// `HTTPServer.maxBodyBytes`, the idle timeout, a graceful stop.
public final class RelayServer: Listening {
    public let port: Int?
    private let workers: [RelayWorker]
    private let listener: RelayListener

    public static func start(
        host: String, port: Int, proxy: WeightedProxy, pinned: Variant? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        idleTimeout: Double = HTTPServer.defaultIdleTimeout
    ) throws -> RelayServer {
        let address = "\(host):\(port)"
        let (fd, bound): (Int32, Int)
        switch RelaySocket.listen(host: host, port: port) {
        case .success(let s): (fd, bound) = s
        case .failure(let e): throw NetError.bind(address, e.reason)
        }
        let count = max(1, threads)
        let listener = RelayListener(fd: fd, holders: count)
        var workers: [RelayWorker] = []
        do {
            for _ in 0..<count { workers.append(try RelayWorker(listener: listener, proxy: proxy, pinned: pinned, idleTimeout: idleTimeout)) }
        } catch {
            close(fd)
            throw NetError.bind(address, error.reason)
        }
        listener.deal(to: workers)
        for worker in workers { worker.start() }
        return RelayServer(port: bound, workers: workers, listener: listener)
    }

    private init(port: Int, workers: [RelayWorker], listener: RelayListener) {
        self.port = port
        self.workers = workers
        self.listener = listener
    }

    public func stop() async {
        for worker in workers { worker.deliver(.drain) }
        await listener.closed()
    }

    deinit {
        for worker in workers { worker.deliver(.drain) }
    }
}
