import NIOCore
import RouterWire

/// A node's address as configured or announced (`host:port`, `:port`, a unix path or
/// `@abstract`), resolved once into a `SocketAddress` so no request pays a name lookup.
public final class NodeEndpoint: Sendable, CustomStringConvertible {
    /// The address exactly as configured or announced; used in stats and logs.
    public let name: String
    /// The resolved address connections go to.
    public let socketAddress: SocketAddress

    /// Wraps an address that is already resolved.
    public init(name: String, socketAddress: SocketAddress) {
        self.name = name
        self.socketAddress = socketAddress
    }

    /// Resolves `name` once (numeric hosts need no lookup; a host name is looked up here, never
    /// per request). `:port` means `defaultHost` (loopback for nodes, the wildcard for listeners).
    public convenience init(resolving name: String, defaultHost: String = "127.0.0.1") throws(EndpointError) {
        self.init(name: name, socketAddress: try Self.socketAddress(for: name, defaultHost: defaultHost))
    }

    /// The address as configured.
    public var description: String { name }

    /// Turns a uWSGI address string into a `SocketAddress`.
    ///
    /// `@name` is a Linux abstract socket. NIO passes the whole `sockaddr_un` length to the
    /// kernel, so the name is NUL-padded: it reaches abstract sockets bound the same way, not
    /// ones bound with the exact length (as uWSGI does); a raw-socket connector can fix that.
    public static func socketAddress(for name: String, defaultHost: String) throws(EndpointError) -> SocketAddress {
        switch try parse(name, defaultHost: defaultHost) {
        case .address(let address):
            return address
        case .hostName(let host, let port):
            do { return try SocketAddress.makeAddressResolvingHost(host, port: port) } catch {
                throw .unresolvable(name)
            }
        }
    }

    /// What an address string names without any lookup: a ready socket address, or a host
    /// name that must be resolved (blocking) first.
    public enum Parsed: Sendable, Hashable {
        /// A numeric or unix address, usable at once.
        case address(SocketAddress)
        /// A host name and port; resolving it may block.
        case hostName(String, port: Int)
    }

    /// Parses `name` with `UwsgiAddress` without blocking (`inet_pton` only; host names are
    /// returned unresolved).
    public static func parse(_ name: String, defaultHost: String) throws(EndpointError) -> Parsed {
        let address: UwsgiAddress
        do { address = try UwsgiAddress(parsing: name, rules: .node) } catch {
            throw EndpointError(error)
        }
        switch address.endpoint {
        case .unix(let path):
            do { return .address(try SocketAddress(unixDomainSocketPath: path)) } catch {
                throw .unixPathTooLong(name)
            }
        case .abstract(let nameWithoutAt):
            do { return .address(try SocketAddress(unixDomainSocketPath: "\0" + nameWithoutAt)) } catch {
                throw .unixPathTooLong(name)
            }
        case .inet(let host, let port):
            let effectiveHost = host.isEmpty ? defaultHost : host
            if let numeric = try? SocketAddress(ipAddress: effectiveHost, port: port) { return .address(numeric) }
            return .hostName(effectiveHost, port: port)
        case .sharedSocket, .inheritedDescriptor:
            throw .malformed(name, expected: "host:port, :port, a unix path or @name")
        }
    }
}

/// Why an address string is not usable.
public enum EndpointError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The address is empty.
    case empty
    /// No `:port` part in a TCP address.
    case missingPort(String)
    /// The port is not a number in 0...65535.
    case invalidPort(String)
    /// The host name does not resolve.
    case unresolvable(String)
    /// The unix socket path or abstract name exceeds what `sockaddr_un` holds.
    case unixPathTooLong(String)
    /// Any other malformed address: the input and what was expected.
    case malformed(String, expected: String)

    /// The endpoint error for an address the parser refused.
    init(_ error: UwsgiAddressError) {
        switch error.problem {
        case .empty: self = .empty
        case .missingPort, .missingPortAfterBracket: self = .missingPort(error.input)
        case .badPort: self = .invalidPort(error.input)
        case .unixPathTooLong, .abstractNameTooLong: self = .unixPathTooLong(error.input)
        default: self = .malformed(error.input, expected: error.expected)
        }
    }

    /// A message naming the input and what was expected.
    public var description: String {
        switch self {
        case .empty: "empty address: expected host:port, :port, a unix path or @name"
        case .missingPort(let s): "address '\(s)': expected host:port, :port, a unix path or @name"
        case .invalidPort(let s): "address '\(s)': port must be a number from 0 to 65535"
        case .unresolvable(let s): "address '\(s)': host name does not resolve"
        case .unixPathTooLong(let s): "address '\(s)': unix socket path longer than \(UwsgiAddress.maximumUnixPathLength) bytes"
        case .malformed(let s, let expected): "address '\(s)': expected \(expected)"
        }
    }
}
