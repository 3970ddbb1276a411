/// A socket address as written in a uWSGI option, parsed and validated.
///
/// uWSGI's rule is kept: an address containing `:` is TCP (or UDP for subscription servers),
/// `@name` is an abstract UNIX socket, anything else is a UNIX socket path. `configured`
/// keeps the text exactly as given, because uWSGI shows it verbatim in stats and the raw
/// router uses it as its routing key.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
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

    /// What the address is used for; decides which forms and ports are allowed.
    public enum Purpose: Sendable {
        /// A stream listener: port 0 and the empty host are allowed, as are `=N` and `fd://N`.
        case listen
        /// A datagram socket to bind (subscription server): port 0 and the empty host are allowed.
        case bindDatagram
        /// An address to connect or send to: a host and a port from 1 to 65535 are required.
        case connect
    }

    /// The longest UNIX socket path `sockaddr_un` holds (108 bytes with the terminating NUL).
    public static let maximumUnixPathLength = 107

    /// The text exactly as configured.
    public let configured: String
    /// The parsed endpoint.
    public let endpoint: Endpoint

    /// Parses `text` for `purpose`, throwing what was expected when it is malformed.
    public init(parsing text: String, for purpose: Purpose) throws(ValueError) {
        configured = text
        endpoint = try Self.parseEndpoint(text, for: purpose)
    }

    /// The text as configured.
    public var description: String { configured }

    /// True for IP endpoints (TCP listeners, UDP subscription servers).
    public var isInet: Bool {
        if case .inet = endpoint { return true }
        return false
    }

    private static func parseEndpoint(_ text: String, for purpose: Purpose) throws(ValueError) -> Endpoint {
        guard !text.isEmpty, text.trimmingSpaces() == text else {
            throw ValueError(expected: "an address: host:port, :port, [ipv6]:port, a UNIX path or @abstract")
        }
        if text.hasPrefix("@") {
            let name = String(text.dropFirst())
            guard !name.isEmpty, name.utf8.count <= maximumUnixPathLength else {
                throw ValueError(expected: "an abstract socket name of 1 to \(maximumUnixPathLength) bytes after '@'")
            }
            return .abstract(name: name)
        }
        if text.hasPrefix("fd://") {
            guard purpose == .listen else { throw ValueError(expected: "a host:port or a UNIX path, not fd://N") }
            return .inheritedDescriptor(try ValueParse.int(String(text.dropFirst(5)), in: 0...65535, unit: "fd number"))
        }
        if text.hasPrefix("=") {
            guard purpose == .listen else { throw ValueError(expected: "a host:port or a UNIX path, not =N") }
            return .sharedSocket(index: try ValueParse.int(String(text.dropFirst()), in: 0...65535, unit: "shared socket index"))
        }
        guard text.contains(":") else {
            guard text.utf8.count <= maximumUnixPathLength else {
                throw ValueError(expected: "a UNIX socket path of at most \(maximumUnixPathLength) bytes (got \(text.utf8.count))")
            }
            return .unix(path: text)
        }
        let host: String
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":") else {
                throw ValueError(expected: "an IPv6 address as [address]:port")
            }
            host = String(text[text.index(after: text.startIndex)..<close])
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" }) else {
                throw ValueError(expected: "an IPv6 address inside the brackets of [address]:port")
            }
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            // The last ':' separates the port; a second ':' means an unbracketed IPv6 address.
            guard let colon = text.lastIndex(of: ":") else { throw ValueError(expected: "host:port") }
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw ValueError(expected: "an IPv6 address in brackets, as [address]:port") }
            guard !host.contains(where: { $0 == " " || $0 == "\t" || $0 == "/" || $0 == "," }) else {
                throw ValueError(expected: "host:port with a host name or IP address (got host '\(host)')")
            }
        }
        if host.isEmpty && purpose == .connect {
            throw ValueError(expected: "host:port with a non-empty host")
        }
        let lowest = purpose == .connect ? 1 : 0
        let port = try ValueParse.int(String(portText), in: lowest...65535, unit: "port")
        return .inet(host: host, port: port)
    }
}
