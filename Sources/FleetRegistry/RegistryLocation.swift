import Foundation

/// Where a fleet registry lives: an etcd cluster's client endpoints and the key prefix the
/// fleet uses, parsed from `etcd://HOST:PORT[,HOST:PORT…]/PREFIX` or, for clusters listening on
/// unix sockets, `etcd+unix://PATH[,PATH…]/PREFIX` with each path percent-encoded
/// (`%2Frun%2Fetcd.sock`).
public struct RegistryLocation: Sendable, Hashable, CustomStringConvertible {
    /// The cluster's client endpoints, tried in this order when one fails.
    public var endpoints: [RegistryEndpoint]
    /// The fleet's key prefix, without a trailing `/` (`/fleet`, `prod/web`).
    public var prefix: String
    /// The user to authenticate as, for a cluster with authentication on (given by options,
    /// never in the text form).
    public var credentials: EtcdCredentials?

    /// Creates a location.
    public init(endpoints: [RegistryEndpoint], prefix: String) {
        self.endpoints = endpoints
        self.prefix = prefix
    }

    /// Parses the `--fleet-registry` / `--registry` value.
    public init(parsing text: String) throws(RegistryLocationError) {
        let input = text.trimmingCharacters(in: .whitespaces)
        let unix: Bool
        let rest: Substring
        if input.hasPrefix("etcd://") {
            unix = false
            rest = input.dropFirst("etcd://".count)
        } else if input.hasPrefix("etcd+unix://") {
            unix = true
            rest = input.dropFirst("etcd+unix://".count)
        } else {
            throw RegistryLocationError(input: text, problem: "it must start with etcd:// (or etcd+unix:// for unix sockets)")
        }
        guard let slash = rest.firstIndex(of: "/") else {
            throw RegistryLocationError(input: text, problem: "it names no key prefix: add /PREFIX after the endpoints, e.g. etcd://127.0.0.1:2379/fleet")
        }
        var prefix = String(rest[rest.index(after: slash)...])
        while prefix.hasSuffix("/") { prefix.removeLast() }
        guard !prefix.isEmpty else {
            throw RegistryLocationError(input: text, problem: "the key prefix is empty: add /PREFIX after the endpoints")
        }
        guard prefix.utf8.count <= 512, !prefix.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw RegistryLocationError(input: text, problem: "the key prefix must be at most 512 bytes without control characters")
        }
        let list = rest[..<slash].split(separator: ",", omittingEmptySubsequences: false)
        var endpoints: [RegistryEndpoint] = []
        for item in list {
            let part = String(item)
            guard !part.isEmpty else { throw RegistryLocationError(input: text, problem: "an endpoint in the list is empty") }
            if unix {
                guard let path = part.removingPercentEncoding, path.hasPrefix("/") || path.hasPrefix(".") else {
                    throw RegistryLocationError(input: text, problem: "'\(part)' is not a percent-encoded socket path (%2Frun%2Fetcd.sock)")
                }
                endpoints.append(.unix(path: path))
            } else {
                endpoints.append(try Self.parseHostPort(part, input: text))
            }
        }
        guard endpoints.count <= 64 else { throw RegistryLocationError(input: text, problem: "more than 64 endpoints") }
        self.endpoints = endpoints
        self.prefix = prefix
    }

    /// The text form, which parses back to the same location.
    public var description: String {
        let unix = endpoints.contains { if case .unix = $0 { true } else { false } }
        let list = endpoints.map(\.urlComponent).joined(separator: ",")
        return "\(unix ? "etcd+unix" : "etcd")://\(list)/\(prefix)"
    }

    /// The key under which a router registers.
    public func routerKey(_ name: String) -> String { "\(prefix)/routers/\(name)" }

    /// The prefix under which every router registers (with its trailing `/`).
    public var routersPrefix: String { "\(prefix)/routers/" }

    /// The prefix of the fleet-wide intents (with its trailing `/`).
    public var intentPrefix: String { "\(prefix)/intent/" }

    /// The key of an intent.
    public func intentKey(_ name: String) -> String { "\(prefix)/intent/\(name)" }

    /// The prefix of one router's audit log of applied intents (with its trailing `/`).
    public func auditPrefix(router: String) -> String { "\(prefix)/audit/\(router)/" }

    private static func parseHostPort(_ part: String, input: String) throws(RegistryLocationError) -> RegistryEndpoint {
        let host: Substring
        let portText: Substring
        if part.hasPrefix("[") {
            guard let close = part.firstIndex(of: "]"), part[part.index(after: close)...].hasPrefix(":") else {
                throw RegistryLocationError(input: input, problem: "'\(part)' is not [IPv6]:PORT")
            }
            host = part[part.index(after: part.startIndex)..<close]
            portText = part[part.index(close, offsetBy: 2)...]
        } else {
            guard let colon = part.lastIndex(of: ":"), part.firstIndex(of: ":") == colon else {
                throw RegistryLocationError(input: input, problem: "'\(part)' is not HOST:PORT")
            }
            host = part[..<colon]
            portText = part[part.index(after: colon)...]
        }
        guard !host.isEmpty else { throw RegistryLocationError(input: input, problem: "'\(part)' names no host") }
        guard portText.count <= 5, let port = UInt16(portText), port > 0 else {
            throw RegistryLocationError(input: input, problem: "'\(part)' has no port from 1 to 65535")
        }
        return .tcp(host: String(host), port: port)
    }
}

/// One etcd client endpoint.
public enum RegistryEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// TCP to a host name or IP literal.
    case tcp(host: String, port: UInt16)
    /// A unix stream socket.
    case unix(path: String)

    /// How logs and errors name it.
    public var description: String {
        switch self {
        case let .tcp(host, port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case let .unix(path): path
        }
    }

    /// The `Host` header value.
    var hostHeader: String {
        switch self {
        case .tcp: description
        case .unix: "localhost"
        }
    }

    /// The endpoint as it appears in a location's text form.
    var urlComponent: String {
        switch self {
        case .tcp: description
        case let .unix(path): path.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: "-._~"))) ?? path
        }
    }
}

/// A registry location that could not be parsed: the text and what was expected.
public struct RegistryLocationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text given.
    public var input: String
    /// What is wrong with it.
    public var problem: String

    /// The message for the user.
    public var description: String { "registry '\(input)': \(problem)" }
}
