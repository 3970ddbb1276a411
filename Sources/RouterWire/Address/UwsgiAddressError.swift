/// An address that could not be parsed: the text given and what was wrong with it.
public struct UwsgiAddressError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Problem: Sendable, Hashable {
        /// Nothing was given.
        case empty
        /// Leading or trailing whitespace where the use does not trim it.
        case surroundingWhitespace
        /// The text holds a control character.
        case controlCharacter
        /// `@` with no name after it.
        case emptyAbstractName
        /// An abstract name longer than `limit` bytes.
        case abstractNameTooLong(length: Int, limit: Int)
        /// A UNIX path longer than `limit` bytes.
        case unixPathTooLong(length: Int, limit: Int)
        /// `=N` or `fd://N` where only a socket address fits.
        case inheritedSocketNotAllowed
        /// `fd://` followed by something other than a descriptor number 0…65535.
        case badDescriptor(String)
        /// `=` followed by something other than a shared socket index 0…65535.
        case badSharedSocketIndex(String)
        /// `[` without `]`.
        case unclosedBracket
        /// `[address]` not followed by `:port`.
        case missingPortAfterBracket
        /// `[]:port`.
        case emptyBrackets
        /// Something other than an IPv6 literal inside the brackets.
        case badIPv6Literal(String)
        /// An IPv6 address written without brackets.
        case ipv6NeedsBrackets
        /// A host holding a space, tab, `/` or `,`.
        case badHost(String)
        /// `:port` where a host is required.
        case emptyHost
        /// `host:` with nothing after it.
        case missingPort
        /// A port that is not plain decimal digits within `allowed`.
        case badPort(String, allowed: ClosedRange<Int>)
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

    /// What was expected instead, as one phrase.
    public var expected: String {
        switch problem {
        case .empty, .surroundingWhitespace:
            "an address: host:port, :port, [ipv6]:port, a UNIX path or @abstract"
        case .controlCharacter: "an address without control characters"
        case .emptyAbstractName: "an abstract socket name of 1 to \(UwsgiAddress.maximumUnixPathLength) bytes after '@'"
        case .abstractNameTooLong(_, let limit): "an abstract socket name of 1 to \(limit) bytes after '@'"
        case .unixPathTooLong(let length, let limit): "a UNIX socket path of at most \(limit) bytes (got \(length))"
        case .inheritedSocketNotAllowed: "a host:port or a UNIX path, not =N or fd://N"
        case .badDescriptor: "an fd number 0...65535 after fd://"
        case .badSharedSocketIndex: "a shared socket index 0...65535 after '='"
        case .unclosedBracket, .missingPortAfterBracket: "an IPv6 address as [address]:port"
        case .emptyBrackets, .badIPv6Literal: "an IPv6 address inside the brackets of [address]:port"
        case .ipv6NeedsBrackets: "an IPv6 address in brackets, as [address]:port"
        case .badHost(let host): "host:port with a host name or IP address (got host '\(host)')"
        case .emptyHost: "host:port with a non-empty host"
        case .missingPort: "an integer (port) after the last ':'"
        case .badPort(_, let allowed): "an integer (port) between \(allowed.lowerBound) and \(allowed.upperBound)"
        }
    }

    /// A one-line message naming the input and what was expected.
    public var description: String { "bad address '\(input)': expected \(expected)" }
}
