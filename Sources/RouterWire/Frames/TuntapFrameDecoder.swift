import NIOCore

/// Frames tuntap traffic out of a byte stream; any split of the input gives the same frames.
public struct TuntapFrameDecoder: NIOSingleStepByteToMessageDecoder {
    /// The decoded message type.
    public typealias InboundOut = TuntapFrame

    /// The largest payload accepted (uWSGI's fixed 8 KiB buffer by default).
    public var maximumPayloadSize: Int

    /// Creates a decoder.
    public init(maximumPayloadSize: Int = TuntapFrame.maximumPayloadSize) {
        self.maximumPayloadSize = maximumPayloadSize
    }

    /// Decodes one frame, or returns nil until it is complete.
    public mutating func decode(buffer: inout ByteBuffer) throws -> TuntapFrame? {
        try self.decodeFrame(buffer: &buffer)
    }

    /// The typed-throwing body of `decode(buffer:)`.
    public mutating func decodeFrame(buffer: inout ByteBuffer) throws(WireError) -> TuntapFrame? {
        guard let header = buffer.getUwsgiHeader(at: buffer.readerIndex) else { return nil }
        guard header.modifier1 == 0 else {
            throw .malformedFrame(reason: "tuntap frame modifier1 \(header.modifier1), expected 0")
        }
        let size = Int(header.datasize)
        guard size <= self.maximumPayloadSize else {
            throw .malformedFrame(reason: "tuntap frame of \(size) bytes exceeds \(self.maximumPayloadSize)")
        }
        switch header.modifier2 {
        case TuntapFrame.packetModifier2:
            guard let payload = buffer.getSlice(at: buffer.readerIndex + UwsgiHeader.size, length: size) else { return nil }
            buffer.moveReaderIndex(forwardBy: UwsgiHeader.size + size)
            return .packet(payload)
        case TuntapFrame.rulesModifier2:
            guard size % TuntapRule.size == 0 else {
                throw .malformedFrame(reason: "tuntap rules frame of \(size) bytes is not a multiple of \(TuntapRule.size)")
            }
            guard buffer.readableBytes >= UwsgiHeader.size + size else { return nil }
            var rules: [TuntapRule] = []
            rules.reserveCapacity(size / TuntapRule.size)
            var index = buffer.readerIndex + UwsgiHeader.size
            while index < buffer.readerIndex + UwsgiHeader.size + size {
                guard let rule = try TuntapRule.read(from: buffer, at: index) else { return nil }
                rules.append(rule)
                index += TuntapRule.size
            }
            buffer.moveReaderIndex(forwardBy: UwsgiHeader.size + size)
            return .rules(rules)
        default:
            throw .malformedFrame(reason: "tuntap frame modifier2 \(header.modifier2), expected 0 (packet) or 1 (rules)")
        }
    }

    /// Decodes what is left at end of stream; an incomplete frame stays in the buffer.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> TuntapFrame? {
        try self.decodeFrame(buffer: &buffer)
    }
}
