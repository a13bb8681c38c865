import Foundation

/// A plain blocking TCP connection to a loopback port, for tests that must see the bytes (or
/// the end of the stream) themselves rather than through a client that hides them.
public enum LoopbackSocket {
    /// A connected descriptor, or nil when nothing listens. The caller closes it.
    public static func connect(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = UInt16(port).bigEndian
        let connected =
            withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    /// A loopback port that refuses every connection for as long as the returned descriptor is
    /// open: bound, so no other test can take it, and never listening. The caller closes it.
    public static func refusingPort() -> (fd: Int32, port: Int)? {
        boundPort(listening: false)
    }

    /// A loopback port another process holds: bound and listening for as long as the returned
    /// descriptor is open (nothing accepts). The caller closes it.
    public static func listeningPort() -> (fd: Int32, port: Int)? {
        boundPort(listening: true)
    }

    static func boundPort(listening: Bool) -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, length) == 0 && (!listening || listen(fd, 4) == 0) && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            return nil
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }
}
