/// Header names with rules of their own, shared by the spec loader and the proxy.
public enum ProxyHeaderRules {
    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1).
    public static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
    ]
}
