#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Talks to a running engine over its control socket: one HTTP/1.1 request, `Connection:
/// close`, whole response. Blocking and dependency-free on purpose: `rampart rollback` must work
/// when everything else is on fire.
public enum ControlClient {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case noEngine(String, String)
        case protocolError(String)

        public var description: String {
            switch self {
            case .noEngine(let path, let why): "no running engine at \(path) (\(why)); start one with `rampart run` or pass --socket"
            case .protocolError(let why): "the engine's answer was not understood: \(why)"
            }
        }
    }

    /// Whether a process listens on the socket: a connection is accepted. A file left by a dead
    /// engine refuses; a live engine too busy to answer quickly still accepts (the kernel queues
    /// the connection), so it is never mistaken for a stale file and replaced.
    public static func listening(socket path: String) -> Bool {
        guard let fd = try? connected(path) else { return false }
        close(fd)
        return true
    }

    public static func request(socket path: String, method: String, path uri: String, body: String = "", timeout: Double = 15) throws(Failure) -> (
        status: Int, body: String
    ) {
        let fd = try connected(path)
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        return try exchange(fd, path: path, method: method, uri: uri, body: body)
    }

    /// A descriptor connected to the socket at `path`; the caller closes it.
    private static func connected(_ path: String) throws(Failure) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw .noEngine(path, String(cString: strerror(errno))) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw .noEngine(path, "socket path too long")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw .noEngine(path, why)
        }
        return fd
    }

    private static func exchange(_ fd: Int32, path: String, method: String, uri: String, body: String) throws(Failure) -> (status: Int, body: String)
    {
        let payload = Array(body.utf8)
        let head =
            "\(method) \(uri) HTTP/1.1\r\nHost: rampart\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(payload.count)\r\n\r\n"
        let message = Array(head.utf8) + payload
        var sent = 0
        while sent < message.count {
            let n = message[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw .noEngine(path, "write failed: \(String(cString: strerror(errno)))") }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw .protocolError("read failed: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            response += buffer[0..<n]
        }
        let text = String(decoding: response, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw .protocolError("no HTTP header in \(response.count) bytes") }
        let statusLine = text[..<split.lowerBound].split(separator: "\r\n").first ?? ""
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw .protocolError("bad status line '\(statusLine)'") }
        return (status, String(text[split.upperBound...]))
    }
}
