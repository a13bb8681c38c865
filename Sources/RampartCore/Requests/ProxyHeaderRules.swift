/// Header names with rules of their own, shared by the spec loader and the proxy.
public enum ProxyHeaderRules {
    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
    public static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
    ]

    private static let hopByHopLengths = Array(Set(hopByHop.map(\.utf8.count)))

    /// `hopByHop.contains(name.lowercased())` without building the lowercased copy: the proxy
    /// asks for every header of every request and answer.
    public static func isHopByHop(_ name: String) -> Bool {
        guard hopByHopLengths.contains(name.utf8.count) else { return false }
        if name.utf8.allSatisfy({ $0 < 0x41 || $0 > 0x5A }) { return hopByHop.contains(name) }
        return hopByHop.contains(name.lowercased())
    }
}
