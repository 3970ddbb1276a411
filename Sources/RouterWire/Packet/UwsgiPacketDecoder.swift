import NIOCore

/// Frames uwsgi packets out of a byte stream: yields a packet as soon as its var block is complete.
///
/// Bytes after the var block (a request body, or the next packet) stay in the buffer. A header
/// whose datasize exceeds `maximumVarBlockSize` is refused at once, before its block arrives.
public struct UwsgiPacketDecoder: NIOSingleStepByteToMessageDecoder {
    /// The decoded message type.
    public typealias InboundOut = UwsgiPacket

    /// The largest var block accepted (default and upper bound 65535).
    public var maximumVarBlockSize: Int

    /// Creates a decoder with a var block size limit.
    public init(maximumVarBlockSize: Int = UwsgiPacket.maximumVarBlockSize) {
        self.maximumVarBlockSize = min(maximumVarBlockSize, UwsgiPacket.maximumVarBlockSize)
    }

    /// Decodes one packet, or returns nil until enough bytes have arrived.
    public mutating func decode(buffer: inout ByteBuffer) throws -> UwsgiPacket? {
        try self.decodePacket(buffer: &buffer)
    }

    /// The typed-throwing body of `decode(buffer:)`.
    public mutating func decodePacket(buffer: inout ByteBuffer) throws(WireError) -> UwsgiPacket? {
        guard let header = buffer.getUwsgiHeader(at: buffer.readerIndex) else { return nil }
        let size = Int(header.datasize)
        guard size <= self.maximumVarBlockSize else {
            throw .packetTooLarge(size: size, limit: self.maximumVarBlockSize)
        }
        guard let block = buffer.getSlice(at: buffer.readerIndex + UwsgiHeader.size, length: size) else {
            return nil
        }
        let vars = try UwsgiVars(validating: block)
        buffer.moveReaderIndex(forwardBy: UwsgiHeader.size + size)
        return UwsgiPacket(header: header, vars: vars)
    }

    /// Decodes what is left at end of stream; an incomplete packet stays in the buffer.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> UwsgiPacket? {
        try self.decodePacket(buffer: &buffer)
    }
}
