import Foundation
import RampartCore

/// What `rampart run` would refuse, or fail on at the canary, that reading the spec cannot see:
/// a crashed run's lock (its traffic may still be on the candidate), a listening port another
/// process holds, a router file in a directory that is not there or not writable. `rampart
/// validate` asks, so CI finds out before a deploy window, not in it. Starts nothing: a port
/// is bound and released at once.
public enum LaunchObstacles {
    public struct Problem: Sendable, Equatable {
        public var message: String
        /// Something outside the spec is in the way (exit 69), not a mistake in it (65).
        public var unavailable: Bool
    }

    public static func problems(_ spec: PipelineSpec, lockDirectory: String = RunLock.directory) -> [Problem] {
        var out = RunLock.crashed(in: lockDirectory).map {
            Problem(message: "\($0.summary); run `rampart recover` before starting again", unavailable: true)
        }
        guard let canary = spec.canary else { return out }
        var listeners: [(String, ProxySpec.HostPort)] = []
        if canary.proxy.port != 0 { listeners.append(("canary.proxy.port", .init(host: canary.proxy.host, port: canary.proxy.port))) }
        if let meter = canary.proxy.meter {
            listeners += [("canary.proxy.meter.baseline", meter.baseline), ("canary.proxy.meter.candidate", meter.candidate)]
        }
        for (field, at) in listeners {
            switch PortProbe.bind(host: at.host, port: at.port) {
            case .free: break
            case .inUse: out.append(Problem(message: "\(field): \(at) is in use by another process", unavailable: true))
            case .notLocal(let why): out.append(Problem(message: "\(field): cannot listen on \(at): \(why)", unavailable: false))
            }
        }
        switch canary.router {
        case .file(let path): out += writableDirectory(of: path, field: "canary.router.path")
        case .nginx(let n): out += writableDirectory(of: n.path, field: "canary.router.path")
        default: break
        }
        return out
    }

    /// The router rewrites its file atomically (a temporary file, then a rename), so the
    /// directory must exist and take new files.
    static func writableDirectory(of path: String, field: String) -> [Problem] {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            return [Problem(message: "\(field): the directory \(directory) does not exist, so the router cannot write \(path)", unavailable: false)]
        }
        guard access(directory, W_OK) == 0 else {
            return [Problem(message: "\(field): the directory \(directory) is not writable, so the router cannot write \(path)", unavailable: false)]
        }
        return []
    }
}

/// Binds a TCP port and lets it go, to learn whether a listener could have it now.
enum PortProbe {
    enum Result: Equatable {
        case free, inUse
        case notLocal(String)
    }

    static func bind(host: String, port: Int) -> Result {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else { return .notLocal("\(host) does not resolve") }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, first.pointee.ai_protocol)
        guard fd >= 0 else { return .notLocal(String(cString: strerror(errno))) }
        defer { close(fd) }
        // As the proxy listens: SO_REUSEADDR, so a port in TIME_WAIT is not called busy.
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if Glibc.bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0, listen(fd, 1) == 0 { return .free }
        return errno == EADDRINUSE ? .inUse : .notLocal(String(cString: strerror(errno)))
    }
}
