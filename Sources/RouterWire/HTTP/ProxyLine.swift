import NIOCore

/// A PROXY protocol v1 header line: `PROXY TCP4|TCP6|UNKNOWN src dst sport dport\r\n`.
public struct ProxyLine: Sendable, Hashable {
    /// The longest v1 line, CRLF included.
    public static let maximumLength = 107

    /// The address family named on the line.
    public enum Family: Sendable, Hashable {
        /// `TCP4`: dotted IPv4 addresses.
        case tcp4
        /// `TCP6`: textual IPv6 addresses.
        case tcp6
        /// `UNKNOWN`: the rest of the line is ignored and the connection's own addresses apply.
        case unknown
    }

    /// The family.
    public var family: Family
    /// The original client address (becomes REMOTE_ADDR); nil for `UNKNOWN`.
    public var sourceAddress: String?
    /// The address the client connected to; nil for `UNKNOWN`.
    public var destinationAddress: String?
    /// The original client port (becomes REMOTE_PORT); nil for `UNKNOWN`.
    public var sourcePort: UInt16?
    /// The port the client connected to; nil for `UNKNOWN`.
    public var destinationPort: UInt16?
    /// Bytes the line occupies, CRLF included; the request starts right after.
    public var length: Int

    /// Creates a line value.
    public init(
        family: Family,
        sourceAddress: String? = nil,
        destinationAddress: String? = nil,
        sourcePort: UInt16? = nil,
        destinationPort: UInt16? = nil,
        length: Int
    ) {
        self.family = family
        self.sourceAddress = sourceAddress
        self.destinationAddress = destinationAddress
        self.sourcePort = sourcePort
        self.destinationPort = destinationPort
        self.length = length
    }

    /// True when the readable bytes start with (a prefix of) `PROXY `, so a parse is worth trying.
    public static func mayStart(_ buffer: ByteBuffer) -> Bool {
        let prefix: StaticString = "PROXY "
        let count = min(buffer.readableBytes, prefix.utf8CodeUnitCount)
        guard let view = buffer.viewBytes(at: buffer.readerIndex, length: count) else { return false }
        return view.elementsEqual(UnsafeBufferPointer(start: prefix.utf8Start, count: count))
    }
}
