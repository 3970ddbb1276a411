import NIOCore

/// One frame on the tuntap router's UNIX stream (§5.7): a uwsgi header `[0][len LE][m2]` + payload.
public enum TuntapFrame: Sendable, Hashable {
    /// modifier2 0: one raw IP packet (no PI prefix).
    case packet(ByteBuffer)
    /// modifier2 1: the client's device rules, sent once right after connecting.
    case rules([TuntapRule])

    /// modifier2 of a packet frame.
    public static let packetModifier2: UInt8 = 0
    /// modifier2 of a rules frame.
    public static let rulesModifier2: UInt8 = 1
    /// The tuntap router's fixed buffer size, the largest payload it handles.
    public static let maximumPayloadSize = 8192
}
