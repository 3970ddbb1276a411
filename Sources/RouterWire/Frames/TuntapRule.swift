import NIOCore

/// One packed 24-byte device rule of a tuntap rules frame (`--tuntap-device-rule`).
///
/// Layout: direction u8, src u32, src_mask u32, dst u32, dst_mask u32 (these four in the sender's
/// host byte order, little-endian on every Linux uWSGI targets in practice), action u8, target
/// u32 and target_port u16 (network order). All addresses are held here as host-order integers.
public struct TuntapRule: Sendable, Hashable {
    /// The encoded size of a rule.
    public static let size = 24

    /// Which traffic a rule applies to.
    public enum Direction: UInt8, Sendable, Hashable {
        /// Traffic towards the peer.
        case `in` = 0
        /// Traffic from the peer.
        case out = 1
    }

    /// What a matching rule does.
    public enum Action: UInt8, Sendable, Hashable {
        /// Let the packet through.
        case allow = 0
        /// Drop the packet.
        case deny = 1
        /// Send it over UDP to `target:targetPort` (`route` and `gateway` on the command line).
        case route = 2
    }

    /// The direction.
    public var direction: Direction
    /// Source address.
    public var source: UInt32
    /// Source mask.
    public var sourceMask: UInt32
    /// Destination address.
    public var destination: UInt32
    /// Destination mask.
    public var destinationMask: UInt32
    /// The action.
    public var action: Action
    /// Route target address.
    public var target: UInt32
    /// Route target port.
    public var targetPort: UInt16

    /// Creates a rule.
    public init(
        direction: Direction, source: UInt32, sourceMask: UInt32, destination: UInt32, destinationMask: UInt32,
        action: Action, target: UInt32 = 0, targetPort: UInt16 = 0
    ) {
        self.direction = direction
        self.source = source
        self.sourceMask = sourceMask
        self.destination = destination
        self.destinationMask = destinationMask
        self.action = action
        self.target = target
        self.targetPort = targetPort
    }

    /// Reads one rule from 24 bytes at `index`; nil if they are not there.
    static func read(from buffer: ByteBuffer, at index: Int) throws(WireError) -> TuntapRule? {
        guard let directionByte = buffer.getInteger(at: index, as: UInt8.self),
              let source = buffer.getInteger(at: index + 1, endianness: .little, as: UInt32.self),
              let sourceMask = buffer.getInteger(at: index + 5, endianness: .little, as: UInt32.self),
              let destination = buffer.getInteger(at: index + 9, endianness: .little, as: UInt32.self),
              let destinationMask = buffer.getInteger(at: index + 13, endianness: .little, as: UInt32.self),
              let actionByte = buffer.getInteger(at: index + 17, as: UInt8.self),
              let target = buffer.getInteger(at: index + 18, endianness: .big, as: UInt32.self),
              let targetPort = buffer.getInteger(at: index + 22, endianness: .big, as: UInt16.self)
        else { return nil }
        guard let direction = Direction(rawValue: directionByte) else {
            throw .malformedFrame(reason: "tuntap rule direction \(directionByte), expected 0 (in) or 1 (out)")
        }
        guard let action = Action(rawValue: actionByte) else {
            throw .malformedFrame(reason: "tuntap rule action \(actionByte), expected 0 (allow), 1 (deny) or 2 (route)")
        }
        return TuntapRule(
            direction: direction, source: source, sourceMask: sourceMask, destination: destination,
            destinationMask: destinationMask, action: action, target: target, targetPort: targetPort
        )
    }

    /// Writes the packed 24-byte form.
    func write(into out: inout ByteBuffer) {
        out.writeInteger(self.direction.rawValue)
        out.writeInteger(self.source, endianness: .little)
        out.writeInteger(self.sourceMask, endianness: .little)
        out.writeInteger(self.destination, endianness: .little)
        out.writeInteger(self.destinationMask, endianness: .little)
        out.writeInteger(self.action.rawValue)
        out.writeInteger(self.target, endianness: .big)
        out.writeInteger(self.targetPort, endianness: .big)
    }
}
