/// A socket address as uWSGI options, subscription packets and fleet files spell it, parsed once.
///
/// uWSGI's rule is kept: an address containing `:` is IP (`host:port`, `:port`, `[v6]:port`),
/// `@name` is a Linux abstract UNIX socket and anything else is a UNIX socket path. Listeners
/// also accept `=N` (a `--shared-socket`) and `fd://N` (an inherited descriptor). `Rules` say
/// which forms and ports a use allows; every type that reads an address (listeners, nodes,
/// stats, admin and subscription servers, the fleet file) is a thin wrapper over this parser.
public struct UwsgiAddress: Sendable, Hashable, CustomStringConvertible {
    /// Where the socket lives.
    public enum Endpoint: Sendable, Hashable {
        /// An IP socket; `host` is empty for "all interfaces" (`:port`), IPv6 without brackets.
        case inet(host: String, port: Int)
        /// A UNIX socket path.
        case unix(path: String)
        /// A Linux abstract UNIX socket, the name without the leading `@`.
        case abstract(name: String)
        /// `=N`: socket N bound early by uWSGI's `--shared-socket`.
        case sharedSocket(index: Int)
        /// `fd://N`: an inherited, already bound file descriptor.
        case inheritedDescriptor(Int)
    }

    /// The longest UNIX socket path or abstract name `sockaddr_un` holds (108 bytes less one).
    public static let maximumUnixPathLength = 107

    /// The address text as given (after trimming, when the rules trim), without modifiers.
    public let configured: String
    /// The parsed endpoint.
    public let endpoint: Endpoint
    /// The `,modifier` fields after the address (`ADDR,PORT`, `ADDR,CRT,KEY`), when the rules
    /// allow them; empty otherwise.
    public let modifiers: [String]

    /// Parses `text` under `rules`, throwing the input and what was wrong with it.
    public init(parsing text: String, rules: Rules) throws(UwsgiAddressError) {
        func fail(_ problem: UwsgiAddressError.Problem) -> UwsgiAddressError {
            UwsgiAddressError(input: text, problem: problem)
        }
        var input = text
        if rules.trimsWhitespace {
            input = text.trimmingWhitespace()
        } else if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
                  first.properties.isWhitespace || last.properties.isWhitespace {
            throw fail(.surroundingWhitespace)
        }
        guard !input.isEmpty else { throw fail(.empty) }
        guard !input.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw fail(.controlCharacter)
        }
        var modifiers: [String] = []
        if rules.allowsModifiers, let comma = input.firstIndex(of: ",") {
            modifiers = input[input.index(after: comma)...].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            input = String(input[..<comma])
            guard !input.isEmpty else { throw fail(.empty) }
        }
        self.configured = input
        self.modifiers = modifiers
        self.endpoint = try Self.parseEndpoint(input, rules: rules, fail: fail)
    }

    /// The address text as configured.
    public var description: String { configured }

    /// True for IP endpoints.
    public var isInet: Bool {
        if case .inet = endpoint { return true }
        return false
    }

    private static func parseEndpoint(
        _ text: String, rules: Rules, fail: (UwsgiAddressError.Problem) -> UwsgiAddressError
    ) throws(UwsgiAddressError) -> Endpoint {
        if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            guard !name.isEmpty else { throw fail(.emptyAbstractName) }
            guard name.utf8.count <= rules.maximumAbstractNameLength else {
                throw fail(.abstractNameTooLong(length: name.utf8.count, limit: rules.maximumAbstractNameLength))
            }
            return .abstract(name: name)
        }
        if text.hasPrefix("fd://") {
            guard rules.allowsInheritedSockets else { throw fail(.inheritedSocketNotAllowed) }
            guard let number = decimal(text.dropFirst(5), in: 0...65535) else {
                throw fail(.badDescriptor(String(text.dropFirst(5))))
            }
            return .inheritedDescriptor(number)
        }
        if text.hasPrefix("=") {
            guard rules.allowsInheritedSockets else { throw fail(.inheritedSocketNotAllowed) }
            guard let index = decimal(text.dropFirst(), in: 0...65535) else {
                throw fail(.badSharedSocketIndex(String(text.dropFirst())))
            }
            return .sharedSocket(index: index)
        }
        let pathLike = rules.pathPrefixMeansUnix && (text.hasPrefix("/") || text.hasPrefix("."))
        guard text.contains(":"), !pathLike else {
            guard text.utf8.count <= maximumUnixPathLength else {
                throw fail(.unixPathTooLong(length: text.utf8.count, limit: maximumUnixPathLength))
            }
            return .unix(path: text)
        }
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw fail(.unclosedBracket) }
            let after = text[text.index(after: close)...]
            guard after.hasPrefix(":") else { throw fail(.missingPortAfterBracket) }
            host = String(text[text.index(after: text.startIndex)..<close])
            guard !host.isEmpty else { throw fail(.emptyBrackets) }
            guard isIPv6Literal(host) else { throw fail(.badIPv6Literal(host)) }
            portText = after.dropFirst()
        } else {
            // The last ':' separates the port; another ':' means an unbracketed IPv6 address.
            let colon = text.lastIndex(of: ":")!
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                guard rules.allowsUnbracketedIPv6, isIPv6Literal(host) else {
                    throw fail(.ipv6NeedsBrackets)
                }
            }
            guard !host.contains(where: { $0 == " " || $0 == "\t" || $0 == "/" || $0 == "," }) else {
                throw fail(.badHost(host))
            }
        }
        guard !host.isEmpty || rules.allowsEmptyHost else { throw fail(.emptyHost) }
        guard !portText.isEmpty else { throw fail(.missingPort) }
        guard let port = decimal(portText, in: rules.ports) else {
            throw fail(.badPort(String(portText), allowed: rules.ports))
        }
        return .inet(host: host, port: port)
    }

    /// Hex digits, `:` and `.` (an embedded IPv4 address), then an optional `%zone`.
    private static func isIPv6Literal(_ host: String) -> Bool {
        let parts = host.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts[0].contains(":"), parts[0].allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
        guard parts.count == 2 else { return true }
        return !parts[1].isEmpty && parts[1].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == ".") }
    }

    /// Plain ASCII decimal digits within `range`; at most 6 digits are read, so nothing overflows.
    private static func decimal(_ text: Substring, in range: ClosedRange<Int>) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 6 else { return nil }
        var value = 0
        for byte in text.utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return range.contains(value) ? value : nil
    }
}

extension UwsgiAddress {
    /// Which address forms and ports one use of an address accepts.
    public struct Rules: Sendable, Hashable {
        /// The allowed port numbers.
        public var ports: ClosedRange<Int>
        /// `:port` (an empty host) is allowed.
        public var allowsEmptyHost: Bool
        /// `=N` and `fd://N` are allowed.
        public var allowsInheritedSockets: Bool
        /// A leading `/` or `.` always means a UNIX path, even with a `:` in it.
        public var pathPrefixMeansUnix: Bool
        /// `::1:80` is read as host `::1`, port 80 (uWSGI's connect code splits at the last `:`).
        public var allowsUnbracketedIPv6: Bool
        /// Surrounding whitespace is dropped rather than refused.
        public var trimsWhitespace: Bool
        /// `,modifier` fields may follow the address.
        public var allowsModifiers: Bool
        /// The longest abstract socket name accepted.
        public var maximumAbstractNameLength: Int

        /// Creates rules; the defaults are those of a stream listener.
        public init(ports: ClosedRange<Int> = 0...65535, allowsEmptyHost: Bool = true,
                    allowsInheritedSockets: Bool = false, pathPrefixMeansUnix: Bool = false,
                    allowsUnbracketedIPv6: Bool = false, trimsWhitespace: Bool = false,
                    allowsModifiers: Bool = false,
                    maximumAbstractNameLength: Int = UwsgiAddress.maximumUnixPathLength) {
            self.ports = ports
            self.allowsEmptyHost = allowsEmptyHost
            self.allowsInheritedSockets = allowsInheritedSockets
            self.pathPrefixMeansUnix = pathPrefixMeansUnix
            self.allowsUnbracketedIPv6 = allowsUnbracketedIPv6
            self.trimsWhitespace = trimsWhitespace
            self.allowsModifiers = allowsModifiers
            self.maximumAbstractNameLength = maximumAbstractNameLength
        }

        /// A stream listener from the option tables: port 0, `:port`, `=N` and `fd://N` allowed.
        public static let listen = Rules(allowsInheritedSockets: true)
        /// A datagram socket to bind (subscription server): port 0 and `:port` allowed.
        public static let bindDatagram = Rules()
        /// A socket the runtime binds itself (stats, admin, subscription servers, tests).
        public static let bind = Rules()
        /// An address to connect or send to: a host and a port from 1 to 65535.
        public static let connect = Rules(ports: 1...65535, allowsEmptyHost: false)
        /// A node as configured or announced: `:port` means a default host, `::1:80` is IPv6,
        /// and a leading `/` or `.` is a path.
        public static let node = Rules(pathPrefixMeansUnix: true, allowsUnbracketedIPv6: true)
        /// A router address a client connects to (`--stats ADDR`, the fleet file): port 1 to
        /// 65535, whitespace trimmed, and a leading `/` or `.` is a path.
        public static let client = Rules(ports: 1...65535, pathPrefixMeansUnix: true, trimsWhitespace: true)

        /// These rules with `,modifier` fields allowed after the address.
        public var withModifiers: Rules {
            var copy = self
            copy.allowsModifiers = true
            return copy
        }
    }
}

extension String {
    /// The string without leading and trailing whitespace.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
