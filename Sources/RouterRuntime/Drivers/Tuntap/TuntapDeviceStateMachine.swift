import NIOCore
import RouterWire

/// The device side of a tuntap link (`--tuntap-device "DEV SOCKET"`), I/O-free: IPv4 packets
/// read from the TUN device are framed into a bounded queue towards the router, and frames from
/// the router are unframed into packets for the device. A full queue drops (counted); a bad
/// frame from the router ends the link.
struct TuntapDeviceStateMachine {
    /// What the loop does next.
    enum Action: Equatable {
        /// Write one IP packet to the device.
        case writeDevice(ByteBuffer)
        /// The queue towards the router went from empty to not empty: write it.
        case flush
        /// The router sent something that is not tuntap framing: close the link.
        case fail(String)
    }

    /// Bytes queued towards the router before packets are dropped.
    let writeQueueLimit: Int
    private var decoder: TuntapFrameDecoder
    private var inbound = ByteBuffer()
    private(set) var outbound = ByteBuffer()
    /// Packets from the device dropped: not IPv4, or the queue was full.
    private(set) var dropped: UInt64 = 0
    /// Packets forwarded each way.
    private(set) var packetsToRouter: UInt64 = 0
    private(set) var packetsFromRouter: UInt64 = 0

    /// A link whose first bytes towards the router are `rules` (none sends no rules frame).
    init(rules: [TuntapRule], writeQueueLimit: Int = 64 * 1024, maximumPayloadSize: Int = 65_535) {
        self.writeQueueLimit = writeQueueLimit
        decoder = TuntapFrameDecoder(maximumPayloadSize: maximumPayloadSize)
        if !rules.isEmpty { try? TuntapFrameEncoder.write(.rules(rules), into: &outbound) }
    }

    /// A packet read from the device; only IPv4 goes to the router (it routes nothing else).
    mutating func devicePacket(_ packet: ByteBuffer) -> [Action] {
        guard packet.readableBytes >= 20, packet.getInteger(at: packet.readerIndex, as: UInt8.self).map({ $0 >> 4 }) == 4,
              outbound.readableBytes + UwsgiHeader.size + packet.readableBytes <= writeQueueLimit else {
            dropped &+= 1
            return []
        }
        let wasEmpty = outbound.readableBytes == 0
        guard (try? TuntapFrameEncoder.write(.packet(packet), into: &outbound)) != nil else {
            dropped &+= 1
            return []
        }
        packetsToRouter &+= 1
        return wasEmpty ? [.flush] : []
    }

    /// Bytes from the router.
    mutating func routerRead(_ bytes: ByteBuffer) -> [Action] {
        var incoming = bytes
        inbound.writeBuffer(&incoming)
        var actions: [Action] = []
        do {
            while let frame = try decoder.decodeFrame(buffer: &inbound) {
                if case .packet(let packet) = frame {
                    packetsFromRouter &+= 1
                    actions.append(.writeDevice(packet))
                }
            }
        } catch {
            return actions + [.fail("the router sent a bad frame: \(error)")]
        }
        inbound.discardReadBytes()
        return actions
    }

    /// `count` queued bytes were written; true when some remain.
    mutating func wrote(_ count: Int) -> Bool {
        outbound.moveReaderIndex(forwardBy: min(count, outbound.readableBytes))
        if outbound.readableBytes == 0 { outbound.clear() } else { outbound.discardReadBytes() }
        return outbound.readableBytes > 0
    }
}
