import NIOCore

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
    public static let maximumUnixPathLength = 107

    /// The string as configured, e.g. `:3031` (what stats documents list).
    public let configured: String
    /// The parsed address.
    public let kind: Kind

    /// Parses a uWSGI-style address; throws `RuntimeError.invalidAddress` naming the input.
    public init(parsing text: String) throws(RuntimeError) {
        self.configured = text
        func bad(_ reason: String) -> RuntimeError { .invalidAddress(text, expected: reason) }
        guard !text.isEmpty else { throw bad("host:port, :port, [v6]:port, a unix path or @name") }
        if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            guard !name.isEmpty else { throw bad("a name after '@'") }
            guard name.utf8.count <= Self.maximumUnixPathLength - 1 else {
                throw bad("an abstract name of at most \(Self.maximumUnixPathLength - 1) bytes")
            }
            self.kind = .abstract(name)
            return
        }
        guard let colon = text.lastIndex(of: ":") else {
            guard text.utf8.count <= Self.maximumUnixPathLength else {
                throw bad("a unix socket path of at most \(Self.maximumUnixPathLength) bytes")
            }
            self.kind = .unixPath(text)
            return
        }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = Int(portText), (0...65535).contains(port), portText.allSatisfy(\.isASCII) else {
            throw bad("a port number 0...65535 after the last ':'")
        }
        if host.hasPrefix("[") {
            guard host.hasSuffix("]"), host.count > 2 else { throw bad("an IPv6 literal closed by ']'") }
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            throw bad("an IPv6 literal in brackets, e.g. [::1]:3031")
        }
        self.kind = .inet(host: host, port: port)
    }

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
