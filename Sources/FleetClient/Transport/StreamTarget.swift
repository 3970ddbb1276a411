import FleetModel
import NIOCore

/// Where a stream connection (stats poll or admin call) goes, reduced from a `StatsAddress`.
enum StreamTarget: Sendable, Hashable {
    /// TCP to a host name or IP literal.
    case inet(host: String, port: UInt16)
    /// A unix stream socket file.
    case unix(path: String)
    /// A Linux abstract unix socket (name without the `@`).
    case abstract(name: String)

    /// The target of a stats or admin address (`http://` reduces to its host and port).
    init(_ address: StatsAddress) {
        switch address {
        case let .tcp(host, port), let .http(host, port, _): self = .inet(host: host, port: port)
        case let .unix(path): self = .unix(path: path)
        case let .abstract(name): self = .abstract(name: name)
        }
    }

    /// The `Host` header value for an HTTP request to this target.
    var hostHeader: String {
        switch self {
        case let .inet(host, port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix, .abstract: return "localhost"
        }
    }

    /// The IP literal's socket address, nil for a host name (which needs resolving).
    var literalAddress: SocketAddress? {
        guard case let .inet(host, port) = self else { return nil }
        return try? SocketAddress(ipAddress: host, port: Int(port))
    }
}
