import NIOCore

/// Writes tuntap frames (both directions use the same framing).
public struct TuntapFrameEncoder: MessageToByteEncoder, Sendable {
    /// The encoded message type.
    public typealias OutboundIn = TuntapFrame

    /// Creates an encoder.
    public init() {}

    /// Writes `data` into `out`.
    public func encode(data: TuntapFrame, out: inout ByteBuffer) throws {
        try Self.write(data, into: &out)
    }

    /// Writes a frame; refuses payloads over 65535 bytes (the 16-bit datasize).
    public static func write(_ frame: TuntapFrame, into out: inout ByteBuffer) throws(WireError) {
        switch frame {
        case .packet(let payload):
            guard payload.readableBytes <= Int(UInt16.max) else {
                throw .malformedFrame(reason: "tuntap packet of \(payload.readableBytes) bytes exceeds 65535")
            }
            out.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: UInt16(payload.readableBytes), modifier2: TuntapFrame.packetModifier2))
            out.writeImmutableBuffer(payload)
        case .rules(let rules):
            let size = rules.count * TuntapRule.size
            guard size <= Int(UInt16.max) else {
                throw .malformedFrame(reason: "tuntap rules frame of \(size) bytes exceeds 65535")
            }
            out.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: UInt16(size), modifier2: TuntapFrame.rulesModifier2))
            for rule in rules {
                rule.write(into: &out)
            }
        }
    }
}
