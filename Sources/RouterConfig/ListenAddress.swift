import RouterWire

/// A socket address as written in a uWSGI option, parsed by `UwsgiAddress` for one purpose.
///
/// `configured` keeps the text exactly as given, because uWSGI shows it verbatim in stats and
/// the raw router uses it as its routing key.
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// Where the socket lives.
    public typealias Endpoint = UwsgiAddress.Endpoint

    /// What the address is used for; decides which forms and ports are allowed.
    public enum Purpose: Sendable {
        /// A stream listener: port 0 and the empty host are allowed, as are `=N` and `fd://N`.
        case listen
        /// A datagram socket to bind (subscription server): port 0 and the empty host are allowed.
        case bindDatagram
        /// An address to connect or send to: a host and a port from 1 to 65535 are required.
        case connect

        /// The parser rules of this purpose.
        var rules: UwsgiAddress.Rules {
            switch self {
            case .listen: .listen
            case .bindDatagram: .bindDatagram
            case .connect: .connect
            }
        }
    }

    /// The longest UNIX socket path `sockaddr_un` holds (108 bytes with the terminating NUL).
    public static let maximumUnixPathLength = UwsgiAddress.maximumUnixPathLength

    /// The parsed address.
    public let address: UwsgiAddress

    /// Parses `text` for `purpose`, throwing what was expected when it is malformed.
    public init(parsing text: String, for purpose: Purpose) throws(ValueError) {
        do {
            address = try UwsgiAddress(parsing: text, rules: purpose.rules)
        } catch {
            throw ValueError(expected: error.expected)
        }
    }

    /// Wraps an address already parsed (e.g. the address part of `ADDR,CRT,KEY`).
    public init(_ address: UwsgiAddress) {
        self.address = address
    }

    /// The text exactly as configured.
    public var configured: String { address.configured }
    /// The parsed endpoint.
    public var endpoint: Endpoint { address.endpoint }

    /// The text as configured.
    public var description: String { configured }

    /// True for IP endpoints (TCP listeners, UDP subscription servers).
    public var isInet: Bool { address.isInet }
}
