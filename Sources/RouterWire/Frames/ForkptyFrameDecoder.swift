import NIOCore

/// Frames forkpty input out of a byte stream; any split of the input gives the same frames.
public struct ForkptyFrameDecoder: NIOSingleStepByteToMessageDecoder {
    /// The decoded message type.
    public typealias InboundOut = ForkptyFrame

    /// The largest input payload accepted (the 16-bit datasize allows 65535).
    public var maximumInputSize: Int

    /// Creates a decoder.
    public init(maximumInputSize: Int = Int(UInt16.max)) {
        self.maximumInputSize = maximumInputSize
    }

    /// Decodes one frame, or returns nil until it is complete.
    public mutating func decode(buffer: inout ByteBuffer) throws -> ForkptyFrame? {
        try self.decodeFrame(buffer: &buffer)
    }

    /// The typed-throwing body of `decode(buffer:)`.
    public mutating func decodeFrame(buffer: inout ByteBuffer) throws(WireError) -> ForkptyFrame? {
        guard let header = buffer.getUwsgiHeader(at: buffer.readerIndex) else { return nil }
        switch header.modifier2 {
        case ForkptyFrame.inputModifier2:
            let size = Int(header.datasize)
            guard size <= self.maximumInputSize else {
                throw .malformedFrame(reason: "forkpty input frame of \(size) bytes exceeds \(self.maximumInputSize)")
            }
            guard let payload = buffer.getSlice(at: buffer.readerIndex + UwsgiHeader.size, length: size) else { return nil }
            buffer.moveReaderIndex(forwardBy: UwsgiHeader.size + size)
            return .input(payload)
        case ForkptyFrame.rowsModifier2:
            buffer.moveReaderIndex(forwardBy: UwsgiHeader.size)
            return .rows(header.datasize)
        case ForkptyFrame.columnsModifier2:
            buffer.moveReaderIndex(forwardBy: UwsgiHeader.size)
            return .columns(header.datasize)
        default:
            buffer.moveReaderIndex(forwardBy: UwsgiHeader.size)
            return .signal(header.modifier2)
        }
    }

    /// Decodes what is left at end of stream; an incomplete frame stays in the buffer.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> ForkptyFrame? {
        try self.decodeFrame(buffer: &buffer)
    }
}
