import Glibc

/// The few socket calls the relay makes, on non-blocking descriptors, with errno turned into
/// values the event loop can act on.
enum RelaySocket {
    enum IO {
        case done(Int)
        case wouldBlock
        /// The peer closed (a read of 0).
        case closed
        case failed(Int32)
    }

    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> IO {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .done(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(errno)
            }
        }
    }

    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> IO {
        while true {
            // MSG_NOSIGNAL: a peer that went away is an error here, not a SIGPIPE for the process.
            let n = send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
            if n >= 0 { return .done(n) }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .failed(errno)
            }
        }
    }

    static func nonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// A socket address, IPv4 or IPv6, with its length.
    struct Address: @unchecked Sendable {
        var storage = sockaddr_storage()
        var length: socklen_t = 0

        var family: Int32 { Int32(storage.ss_family) }

        init() {}

        /// From a `sockaddr_in` or `sockaddr_in6`.
        init<T>(_ address: T) {
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<T>.size)
        }

        /// Numeric addresses only (and `localhost`): resolving a name here would block the event
        /// loop, so upstreams named by host name go through the NIO client instead.
        static func numeric(_ host: String, port: Int) -> Address? {
            let literal = host == "localhost" ? "127.0.0.1" : host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            let port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
            var v4 = in_addr()
            var v6 = in6_addr()
            if inet_pton(AF_INET, literal, &v4) == 1 {
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_port = port
                sin.sin_addr = v4
                return Address(sin)
            }
            if inet_pton(AF_INET6, literal, &v6) == 1 {
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = port
                sin6.sin6_addr = v6
                return Address(sin6)
            }
            return nil
        }

        /// The addresses a listening host name stands for (getaddrinfo; blocking, at start only).
        static func resolve(_ host: String, port: Int) -> [Address] {
            var hints = addrinfo()
            hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list) == 0 else { return [] }
            defer { freeaddrinfo(list) }
            var found: [Address] = []
            var next = list
            while let info = next?.pointee {
                if let sa = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6 {
                    var address = Address()
                    withUnsafeMutableBytes(of: &address.storage) {
                        $0.copyMemory(from: UnsafeRawBufferPointer(start: sa, count: Int(info.ai_addrlen)))
                    }
                    address.length = info.ai_addrlen
                    found.append(address)
                }
                next = info.ai_next
            }
            return found
        }
    }

    /// Starts a non-blocking connect; the descriptor becomes writable when it completes.
    static func connect(to address: Address) -> (fd: Int32, error: Int32) {
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return (-1, errno) }
        nonBlocking(fd)
        noDelay(fd)
        var storage = address.storage
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        if result == 0 || errno == EINPROGRESS { return (fd, 0) }
        let failure = errno
        close(fd)
        return (-1, failure)
    }

    /// The error a finished non-blocking connect left (0 when it succeeded).
    static func pendingError(_ fd: Int32) -> Int32 {
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        _ = getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        return error
    }

    /// A listening socket on `host:port` (port 0 picks one), or the reason it could not be.
    static func listen(host: String, port: Int) -> Result<(fd: Int32, port: Int), RelayBindError> {
        let addresses = Address.resolve(host, port: port)
        guard let address = addresses.first else { return .failure(RelayBindError(reason: "cannot resolve \(host)")) }
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failure(RelayBindError(reason: String(cString: strerror(errno)))) }
        nonBlocking(fd)
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, address.length) }
        }
        guard bound == 0, Glibc.listen(fd, 512) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            return .failure(RelayBindError(reason: reason))
        }
        var actual = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        let bound16: UInt16 =
            Int32(actual.ss_family) == AF_INET6
            ? withUnsafeBytes(of: actual) { $0.load(as: sockaddr_in6.self).sin6_port }
            : withUnsafeBytes(of: actual) { $0.load(as: sockaddr_in.self).sin_port }
        return .success((fd, Int(UInt16(bigEndian: bound16))))
    }
}

struct RelayBindError: Error {
    var reason: String
}
