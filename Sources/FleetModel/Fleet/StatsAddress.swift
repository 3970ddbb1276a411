import RouterWire

/// Where a router's stats server (or admin API, or subscription server) listens, in any form
/// uWSGI accepts: `host:port`, `[v6]:port`, a unix path, `@abstract`, or `http://host:port/path`
/// for a stats server started with `--stats-http`.
///
/// The one parser behind both `--stats ADDR` and the fleet file, so both accept the same text.
public enum StatsAddress: Sendable, Hashable, CustomStringConvertible {
    /// A TCP socket. `host` is a name, a dotted IPv4 address or a bare IPv6 address (no brackets).
    case tcp(host: String, port: UInt16)
    /// A unix stream (or datagram, for subscription servers) socket at a filesystem path.
    case unix(path: String)
    /// A Linux abstract unix socket; `name` excludes the leading `@`.
    case abstract(name: String)
    /// A stats server behind `--stats-http`: a GET of `path` on `host:port` returns the document.
    case http(host: String, port: UInt16, path: String)

    /// Parses an address the way uWSGI reads one.
    ///
    /// uWSGI's rule is "contains `:` → TCP, else unix, `@` → abstract". Two
    /// departures, both only where uWSGI would fail anyway: a leading `/` or `.` always means a
    /// unix path (so `/run/a:b.sock` works), and `:port` (uWSGI's "all interfaces" bind form)
    /// is read as loopback, since a client cannot connect to the wildcard address.
    public init(parsing text: String) throws(StatsAddressError) {
        let input = text.trimmingWhitespace()
        guard !input.isEmpty else { throw StatsAddressError(input: text, problem: .empty) }
        guard !input.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw StatsAddressError(input: text, problem: .controlCharacter)
        }
        if let rest = input.droppingPrefix("http://") {
            self = try Self.parseHTTP(rest, input: text)
        } else if input.hasPrefix("https://") {
            throw StatsAddressError(input: text, problem: .unsupportedScheme("https"))
        } else {
            self = try Self.parseSocket(input, input: text, rules: .client)
        }
    }

    /// The canonical text form; parsing it gives back the same address.
    public var description: String {
        switch self {
        case let .tcp(host, port): return "\(Self.bracketed(host)):\(port)"
        case let .unix(path): return path
        case let .abstract(name): return "@\(name)"
        case let .http(host, port, path): return "http://\(Self.bracketed(host)):\(port)\(path)"
        }
    }

    /// A short router name derived from the address, for routers given only by address.
    ///
    /// `host:port` for TCP and HTTP (the path is dropped), the file name for unix paths, and
    /// `@name` for abstract sockets.
    public var derivedName: String {
        switch self {
        case let .tcp(host, port), let .http(host, port, _):
            return "\(Self.bracketed(host)):\(port)"
        case let .unix(path):
            let last = path.split(separator: "/").last.map(String.init) ?? path
            return last.isEmpty ? path : last
        case let .abstract(name):
            return "@\(name)"
        }
    }

    /// True for the `http://` form (`--stats-http` servers need a request before they answer).
    public var isHTTP: Bool {
        if case .http = self { return true }
        return false
    }

    private static func bracketed(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }

    private static func parseHTTP(_ rest: String, input: String) throws(StatsAddressError) -> StatsAddress {
        let authority: String
        let path: String
        if let slash = rest.firstIndex(of: "/") {
            authority = String(rest[..<slash])
            path = String(rest[slash...])
        } else {
            authority = rest
            path = "/"
        }
        guard !authority.isEmpty else { throw StatsAddressError(input: input, problem: .missingHost) }
        // HTTP defaults to port 80 when the URL names none.
        if !authority.contains(":") || (authority.hasPrefix("[") && authority.hasSuffix("]")) {
            let host = authority.hasPrefix("[") ? String(authority.dropFirst().dropLast()) : authority
            guard !host.isEmpty else { throw StatsAddressError(input: input, problem: .missingHost) }
            return .http(host: host, port: 80, path: path)
        }
        var rules = UwsgiAddress.Rules.client
        rules.allowsEmptyHost = false
        guard case let .tcp(host, port) = try parseSocket(authority, input: input, rules: rules) else {
            throw StatsAddressError(input: input, problem: .missingPort)
        }
        return .http(host: host, port: port, path: path)
    }

    /// Parses a socket address with `UwsgiAddress`; `:port` means loopback.
    private static func parseSocket(_ text: String, input: String, rules: UwsgiAddress.Rules) throws(StatsAddressError) -> StatsAddress {
        let address: UwsgiAddress
        do { address = try UwsgiAddress(parsing: text, rules: rules) } catch {
            throw StatsAddressError(input: input, problem: .init(error))
        }
        switch address.endpoint {
        case let .inet(host, port):
            // `rules` allow ports 1…65535 only, so the conversion cannot fail.
            return .tcp(host: host.isEmpty ? "127.0.0.1" : host, port: UInt16(port))
        case let .unix(path): return .unix(path: path)
        case let .abstract(name): return .abstract(name: name)
        case .sharedSocket, .inheritedDescriptor:
            throw StatsAddressError(input: input, problem: .invalid(expected: "a socket address, not =N or fd://N"))
        }
    }
}

/// A router address that could not be parsed: the text given and what was wrong with it.
public struct StatsAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Problem: Sendable, Hashable {
        /// Nothing was given.
        case empty
        /// The text holds a control character.
        case controlCharacter
        /// `https://` or another scheme: only `http://` stats servers exist.
        case unsupportedScheme(String)
        /// `@` with no name after it.
        case emptyAbstractName
        /// `host:` with nothing (or no `:port`) after it.
        case missingPort
        /// `:port` part that is not a number in 1…65535.
        case badPort(String)
        /// `[` without `]`.
        case unclosedBracket
        /// An empty host inside brackets or an URL.
        case missingHost
        /// An IPv6 address written without brackets.
        case ipv6NeedsBrackets
        /// Any other malformed address, with what was expected.
        case invalid(expected: String)

        /// The problem for an address the parser refused.
        init(_ error: UwsgiAddressError) {
            switch error.problem {
            case .empty: self = .empty
            case .controlCharacter: self = .controlCharacter
            case .emptyAbstractName: self = .emptyAbstractName
            case .missingPort, .missingPortAfterBracket: self = .missingPort
            case let .badPort(port, _): self = .badPort(port)
            case .unclosedBracket: self = .unclosedBracket
            case .emptyBrackets, .emptyHost: self = .missingHost
            case .ipv6NeedsBrackets: self = .ipv6NeedsBrackets
            default: self = .invalid(expected: error.expected)
            }
        }
    }

    /// The text that was given.
    public var input: String
    /// What was wrong with it.
    public var problem: Problem

    /// Creates an error.
    public init(input: String, problem: Problem) {
        self.input = input
        self.problem = problem
    }

    /// A one-line message naming the input and what was expected.
    public var description: String {
        let expected = "expected host:port, [ipv6]:port, a unix path, @abstract or http://host:port/path"
        let what: String
        switch problem {
        case .empty: what = "empty address"
        case .controlCharacter: what = "contains a control character"
        case let .unsupportedScheme(scheme): what = "scheme \(scheme):// is not supported (stats servers speak plain http)"
        case .emptyAbstractName: what = "abstract socket name after @ is empty"
        case .missingPort: what = "missing port"
        case let .badPort(port): what = "port '\(port)' is not a number in 1…65535"
        case .unclosedBracket: what = "'[' without ']'"
        case .missingHost: what = "missing host"
        case .ipv6NeedsBrackets: what = "an IPv6 address needs brackets, as in [::1]:9191"
        case let .invalid(expected): what = "expected \(expected)"
        }
        return "bad address '\(input)': \(what); \(expected)"
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }

    func droppingPrefix(_ prefix: String) -> String? {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : nil
    }
}
