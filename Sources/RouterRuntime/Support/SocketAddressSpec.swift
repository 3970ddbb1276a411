import NIOCore
import RouterConfig
import RouterWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A listener or peer address as uWSGI options spell it (`host:port`, `:port`, `[::1]:port`,
/// a unix socket path, or `@name` for a Linux abstract unix socket), keeping the configured
/// string for stats listings.
///
/// uWSGI's rule applies: a string containing `:` is an inet address, anything else is a unix
/// socket. `@name` binds `"\0name"` with the exact address length, as uWSGI does, so uWSGI
/// clients find it; NIO's own `SocketAddress` pads unix paths to the full `sun_path`, which
/// would name a different abstract socket, so abstract sockets go through `AbstractSocket`.
public struct SocketAddressSpec: Sendable, Hashable, CustomStringConvertible {
    /// What kind of socket the string names.
    public enum Kind: Sendable, Hashable {
        /// An IPv4 or IPv6 host (literal or name) and port; an empty host means all interfaces.
        case inet(host: String, port: Int)
        /// A unix socket file path.
        case unixPath(String)
        /// A Linux abstract unix socket name (without the leading `@`).
        case abstract(String)
    }

    /// The longest unix socket path or abstract name the kernel stores (sun_path less one byte).
    public static let maximumUnixPathLength = UwsgiAddress.maximumUnixPathLength

    /// The string as configured, e.g. `:3031` (what stats documents list).
    public let configured: String
    /// The parsed address.
    public let kind: Kind

    /// Parses a uWSGI-style address with `UwsgiAddress`; throws `RuntimeError.invalidAddress`
    /// naming the input.
    public init(parsing text: String) throws(RuntimeError) {
        let address: UwsgiAddress
        do { address = try UwsgiAddress(parsing: text, rules: Self.rules) } catch {
            throw .invalidAddress(text, expected: error.expected)
        }
        try self.init(address)
    }

    /// Wraps an address parsed elsewhere (a listener from the option tables); `=N` and `fd://N`
    /// are not sockets this type can bind.
    public init(_ address: UwsgiAddress) throws(RuntimeError) {
        self.configured = address.configured
        switch address.endpoint {
        case .inet(let host, let port): self.kind = .inet(host: host, port: port)
        case .unix(let path): self.kind = .unixPath(path)
        case .abstract(let name):
            guard name.utf8.count <= Self.rules.maximumAbstractNameLength else {
                throw .invalidAddress(address.configured, expected: "an abstract name of at most \(Self.rules.maximumAbstractNameLength) bytes")
            }
            self.kind = .abstract(name)
        case .sharedSocket, .inheritedDescriptor:
            throw .invalidAddress(address.configured, expected: "host:port, :port, [v6]:port, a unix path or @name (not =N or fd://N)")
        }
    }

    /// The forms this type binds: a socket address with port 0 allowed, abstract names one
    /// byte shorter than `sun_path` less its leading NUL.
    private static let rules = UwsgiAddress.Rules(maximumAbstractNameLength: maximumUnixPathLength - 1)

    /// Creates a spec from a NIO address (for reporting a bound address, e.g. port 0 resolved).
    public init(boundAddress address: SocketAddress) {
        switch address {
        case .v4, .v6:
            let host = address.ipAddress ?? "0.0.0.0"
            let port = address.port ?? 0
            let shown = host.contains(":") ? "[\(host)]" : host
            self.configured = "\(shown):\(port)"
            self.kind = .inet(host: host, port: port)
        case .unixDomainSocket:
            let path = address.pathname ?? ""
            self.configured = path
            self.kind = .unixPath(path)
        }
    }

    /// True for `unixPath` and `abstract`.
    public var isUnix: Bool {
        if case .inet = kind { return false }
        return true
    }

    /// The configured string.
    public var description: String { configured }

    /// Resolves to a NIO address for binding or connecting; not available for abstract sockets
    /// (see the type's summary). An empty host means 0.0.0.0, as in uWSGI's `:port`.
    public func resolved() throws(RuntimeError) -> SocketAddress {
        switch kind {
        case .inet(let host, let port):
            let effectiveHost = host.isEmpty ? "0.0.0.0" : host
            do {
                if let literal = try? SocketAddress(ipAddress: effectiveHost, port: port) { return literal }
                return try SocketAddress.makeAddressResolvingHost(effectiveHost, port: port)
            } catch {
                throw .invalidAddress(configured, expected: "a resolvable host (\(error))")
            }
        case .unixPath(let path):
            do { return try SocketAddress(unixDomainSocketPath: path) } catch {
                throw .invalidAddress(configured, expected: "a unix path NIO accepts (\(error))")
            }
        case .abstract:
            throw .invalidAddress(configured, expected: "a non-abstract address here; abstract sockets bind through AbstractSocket")
        }
    }
}
