import NIOCore

/// A decoded uwsgi packet: the header and its validated var block.
///
/// A request body that follows the var block is not part of the packet; decoders leave it in
/// the input buffer for the caller.
public struct UwsgiPacket: Sendable, Hashable {
    /// The largest var block a 16-bit datasize can describe.
    public static let maximumVarBlockSize = Int(UInt16.max)

    /// The packet header; `datasize` equals `vars.block.readableBytes` for decoded packets.
    public var header: UwsgiHeader
    /// The var block items.
    public var vars: UwsgiVars

    /// Creates a packet from a header and an already validated var block.
    public init(header: UwsgiHeader, vars: UwsgiVars) {
        self.header = header
        self.vars = vars
    }

    /// Builds a packet from text items (in order, duplicates kept); a convenience for tools and tests.
    public init(modifier1: UInt8 = 0, modifier2: UInt8 = 0, vars items: [(String, String)]) throws(WireError) {
        var block = ByteBuffer()
        for (key, value) in items {
            try block.writeUwsgiVar(key: key, value: value)
        }
        guard block.readableBytes <= Self.maximumVarBlockSize else {
            throw .packetTooLarge(size: block.readableBytes, limit: Self.maximumVarBlockSize)
        }
        self.header = UwsgiHeader(modifier1: modifier1, datasize: UInt16(block.readableBytes), modifier2: modifier2)
        self.vars = UwsgiVars(trustedBlock: block, count: items.count)
    }

    /// Decodes a buffer that holds exactly one packet (header + var block, nothing after it).
    ///
    /// - Throws: `.datagramTooShort` below 4 bytes, `.packetTooLarge` when datasize exceeds
    ///   `maximumVarBlockSize`, `.sizeMismatch` when the bytes after the header are not exactly
    ///   datasize, and the var block errors of `UwsgiVars(validating:)`.
    public init(decoding buffer: ByteBuffer, maximumVarBlockSize: Int = UwsgiPacket.maximumVarBlockSize) throws(WireError) {
        guard let header = buffer.getUwsgiHeader(at: buffer.readerIndex) else {
            throw .datagramTooShort(size: buffer.readableBytes)
        }
        let declared = Int(header.datasize)
        guard declared <= maximumVarBlockSize else {
            throw .packetTooLarge(size: declared, limit: maximumVarBlockSize)
        }
        let actual = buffer.readableBytes - UwsgiHeader.size
        guard actual == declared, let block = buffer.getSlice(at: buffer.readerIndex + UwsgiHeader.size, length: actual) else {
            throw .sizeMismatch(declared: declared, actual: actual)
        }
        self.header = header
        self.vars = try UwsgiVars(validating: block)
    }

    /// The value of the first var named `key`, as a view into the packet (no allocation).
    @inlinable
    public func value(for key: StaticString) -> ByteBufferView? { self.vars.value(for: key) }

    /// The value of the first var named `key`, as a view into the packet (no allocation for native strings).
    @inlinable
    public func value(for key: String) -> ByteBufferView? { self.vars.value(for: key) }

    /// The value of the first var named `key` decoded as text.
    public func string(for key: String) -> String? { self.vars.string(for: key) }
}
