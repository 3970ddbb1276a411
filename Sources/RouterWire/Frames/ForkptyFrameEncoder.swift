import NIOCore

/// Writes forkpty client frames (what `--pty-uconnect` sends).
public struct ForkptyFrameEncoder: MessageToByteEncoder, Sendable {
    /// The encoded message type.
    public typealias OutboundIn = ForkptyFrame

    /// Creates an encoder.
    public init() {}

    /// Writes `data` into `out`.
    public func encode(data: ForkptyFrame, out: inout ByteBuffer) throws {
        try Self.write(data, into: &out)
    }

    /// Writes a frame; refuses input over 65535 bytes and signal numbers 0, 100 and 101, which
    /// mean input, rows and columns on the wire.
    public static func write(_ frame: ForkptyFrame, into out: inout ByteBuffer) throws(WireError) {
        switch frame {
        case .input(let payload):
            guard payload.readableBytes <= Int(UInt16.max) else {
                throw .malformedFrame(reason: "forkpty input of \(payload.readableBytes) bytes exceeds 65535")
            }
            out.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: UInt16(payload.readableBytes), modifier2: ForkptyFrame.inputModifier2))
            out.writeImmutableBuffer(payload)
        case .rows(let rows):
            out.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: rows, modifier2: ForkptyFrame.rowsModifier2))
        case .columns(let columns):
            out.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: columns, modifier2: ForkptyFrame.columnsModifier2))
        case .signal(let signal):
            guard signal != ForkptyFrame.inputModifier2, signal != ForkptyFrame.rowsModifier2, signal != ForkptyFrame.columnsModifier2 else {
                throw .malformedFrame(reason: "signal \(signal) cannot be framed: modifier2 \(signal) means input, rows or columns")
            }
            out.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: 0, modifier2: signal))
        }
    }
}
