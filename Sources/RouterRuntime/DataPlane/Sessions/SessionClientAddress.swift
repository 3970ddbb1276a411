import NIOCore

/// How a session's client is written in the stats document's `sessions` list, in the forms
/// uWSGI's routers print addresses: `127.0.0.1:port`, `[::1]:port`, or a unix socket's path.
///
/// NIO's `SocketAddress.description` (`[IPv4]127.0.0.1/127.0.0.1:port`) is a debugging form
/// and must not reach the stats.
enum SessionClientAddress {
    /// The client as the stats show it. A unix client is usually an unbound socket with no path
    /// of its own, so it is shown by the path it connected to (`local`, the listener's socket);
    /// `-` when neither is known.
    static func describe(remote: SocketAddress?, local: SocketAddress? = nil) -> String {
        switch remote {
        case .v4?, .v6?:
            let host = remote?.ipAddress ?? "?"
            let port = remote?.port ?? 0
            return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unixDomainSocket?:
            if let path = remote?.pathname, !path.isEmpty { return path }
            if case .unixDomainSocket? = local, let path = local?.pathname, !path.isEmpty { return path }
            return "unix"
        case nil:
            return "-"
        }
    }
}
