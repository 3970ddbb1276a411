import NIOCore

/// Writes uwsgi packets: a `MessageToByteEncoder` for whole packets, plus the begin/finish pair
/// used to write a packet's vars straight into an outgoing buffer.
public struct UwsgiPacketEncoder: MessageToByteEncoder, Sendable {
    /// The encoded message type.
    public typealias OutboundIn = UwsgiPacket

    /// Creates an encoder.
    public init() {}

    /// Writes `data` (header with datasize fixed to the block length, then the block) into `out`.
    public func encode(data: UwsgiPacket, out: inout ByteBuffer) throws {
        Self.write(data, into: &out)
    }

    /// Writes a packet; datasize is taken from the var block, which `UwsgiVars` keeps ≤ 65535 bytes.
    public static func write(_ packet: UwsgiPacket, into out: inout ByteBuffer) {
        var header = packet.header
        header.datasize = UInt16(truncatingIfNeeded: packet.vars.block.readableBytes)
        out.writeUwsgiHeader(header)
        out.writeImmutableBuffer(packet.vars.block)
    }

    /// Starts a packet in `out`: writes a header with datasize 0 and returns the packet's start index.
    @inlinable
    public static func beginPacket(modifier1: UInt8 = 0, modifier2: UInt8 = 0, in out: inout ByteBuffer) -> Int {
        let start = out.writerIndex
        out.writeUwsgiHeader(UwsgiHeader(modifier1: modifier1, datasize: 0, modifier2: modifier2))
        return start
    }

    /// Finishes the packet begun at `start`: stores its datasize, or throws (and removes the
    /// packet from `out`) when the var block grew past 65535 bytes.
    @inlinable
    public static func finishPacket(startedAt start: Int, in out: inout ByteBuffer) throws(WireError) {
        let size = out.writerIndex - start - UwsgiHeader.size
        guard size <= UwsgiPacket.maximumVarBlockSize else {
            out.moveWriterIndex(to: start)
            throw .packetTooLarge(size: size, limit: UwsgiPacket.maximumVarBlockSize)
        }
        out.setInteger(UInt16(size), at: start + 1, endianness: .little)
    }

    /// Sets modifier1/modifier2 of the packet at `start` once the node (and so its modifiers) is known.
    /// One access to the buffer for both bytes when the header is readable (every routed
    /// request: each `setInteger` costs a uniqueness check and an exclusivity access of its own).
    @inlinable
    public static func setModifiers(modifier1: UInt8, modifier2: UInt8, packetAt start: Int, in out: inout ByteBuffer) {
        let offset = start - out.readerIndex
        guard offset >= 0, out.readableBytes - offset >= UwsgiHeader.size else {
            out.setInteger(modifier1, at: start)
            out.setInteger(modifier2, at: start + 3)
            return
        }
        out.withUnsafeMutableReadableBytes { bytes in
            bytes[offset] = modifier1
            bytes[offset + 3] = modifier2
        }
    }
}
