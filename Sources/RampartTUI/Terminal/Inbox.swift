import Foundation
import Synchronization

/// Hands messages from any thread to the UI thread and wakes its `poll` through a self-pipe.
final class Inbox<Message: Sendable>: Sendable {
    private let items = Mutex<[Message]>([])
    let wakeFD: Int32
    private let writeFD: Int32

    init() {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "cannot create the dashboard's wake-up pipe")
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeFD = fds[0]
        writeFD = fds[1]
    }

    func post(_ message: Message) {
        items.withLock { $0.append(message) }
        var byte: UInt8 = 1
        _ = write(writeFD, &byte, 1)
    }

    func drain() -> [Message] {
        var scratch = [UInt8](repeating: 0, count: 256)
        while read(wakeFD, &scratch, scratch.count) > 0 {}
        return items.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
    }
}
