import NIOCore
import RouterConfig
import RouterWire
import Testing
@testable import RouterRuntime

/// IPv4 packets and frames for the tuntap machines' tests.
enum TuntapPackets {
    /// `a.b.c.d` in host order.
    static func ip(_ text: String) -> UInt32 { TuntapAddressMatch.ipv4(text)! }

    /// A 20-byte IPv4 header from `source` to `destination`, then `payload` bytes.
    static func packet(_ source: String, _ destination: String, payload: Int = 8, version: UInt8 = 4) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(version << 4 | 5, as: UInt8.self)
        buffer.writeRepeatingByte(0, count: 11)
        buffer.writeInteger(ip(source), endianness: .big)
        buffer.writeInteger(ip(destination), endianness: .big)
        buffer.writeRepeatingByte(0xab, count: payload)
        return buffer
    }

    /// The frame a peer sends.
    static func frame(_ frame: TuntapFrame) -> ByteBuffer {
        var buffer = ByteBuffer()
        try! TuntapFrameEncoder.write(frame, into: &buffer)
        return buffer
    }
}

@Suite("tuntap router state machine")
struct TuntapRouterStateMachineTests {
    typealias Machine = TuntapRouterStateMachine
    static let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)

    static func machine(_ configure: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        var configuration = Machine.Configuration()
        configure(&configuration)
        var machine = Machine(configuration: configuration)
        machine.now = t0
        return machine
    }

    /// A machine with peers 1 (10.0.0.2) and 2 (10.0.0.3), both registered by a first packet.
    static func twoPeers(_ configure: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        var machine = machine(configure)
        _ = machine.peerAccepted(1)
        _ = machine.peerAccepted(2)
        _ = machine.peerRead(1, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.2", "10.0.0.1"))))
        _ = machine.peerRead(2, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.3", "10.0.0.1"))))
        return machine
    }

    static func rule(_ text: String) -> TuntapFirewallRule { try! TuntapFirewallRule(parsing: text) }

    @Test("a peer's first packet names its address and goes to the device; rx counts the whole frame")
    func firstPacketLearnsTheAddress() {
        var machine = Self.machine()
        let accepted = machine.peerAccepted(7)
        #expect(accepted)
        let packet = TuntapPackets.packet("10.0.0.2", "10.0.0.1")
        #expect(machine.peerRead(7, TuntapPackets.frame(.packet(packet))) == [.writeDevice(packet)])
        #expect(machine.peers[7]?.address == TuntapPackets.ip("10.0.0.2"))
        #expect(machine.peers[7]?.rx == 4 + 28 && machine.peers[7]?.packetsIn == 1)
    }

    @Test("frames split at every byte give the same actions as one read")
    func splitFrames() {
        let packets = (0..<3).map { TuntapPackets.packet("10.0.0.2", "10.0.0.\($0 + 5)", payload: $0 * 7) }
        var stream = ByteBuffer()
        for packet in packets { stream.writeImmutableBuffer(TuntapPackets.frame(.packet(packet))) }
        var whole = Self.machine()
        _ = whole.peerAccepted(1)
        var split = Self.machine()
        _ = split.peerAccepted(1)
        var splitActions: [Machine.Action] = []
        for index in 0..<stream.readableBytes {
            splitActions += split.peerRead(1, stream.getSlice(at: index, length: 1)!)
        }
        #expect(whole.peerRead(1, stream) == packets.map { .writeDevice($0) })
        #expect(splitActions == packets.map { .writeDevice($0) })
    }

    @Test("bad frames close the peer and are counted: oversize, rules not a multiple of 24, unknown modifier2, modifier1 not 0",
          arguments: [
            [UInt8]([0, 0x01, 0x20, 0]),  // 8193 bytes
            [0, 25, 0, 1] + [UInt8](repeating: 0, count: 25),
            [0, 1, 0, 9, 0],
            [5, 1, 0, 0, 0],
          ])
    func badFramesClose(bytes: [UInt8]) {
        var machine = Self.machine()
        _ = machine.peerAccepted(1)
        let actions = machine.peerRead(1, ByteBuffer(bytes: bytes))
        #expect(actions.count == 1)
        guard case .close(1, let reason) = actions.first else {
            Issue.record("expected a close, got \(actions)")
            return
        }
        #expect(reason.contains("bad frame"))
        #expect(machine.peers[1] == nil && machine.badPeers == 1)
    }

    @Test("a runt first packet closes the peer; a later runt and any non-IPv4 packet are counted drops")
    func runtsAndOtherProtocols() {
        var machine = Self.machine()
        _ = machine.peerAccepted(1)
        // IPv6 noise from a fresh device before any IPv4 packet: dropped, the peer stays.
        #expect(machine.peerRead(1, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.2", "10.0.0.1", version: 6)))).isEmpty)
        #expect(machine.drops[.notIPv4] == 1 && machine.peers[1] != nil)
        _ = machine.peerRead(1, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.2", "10.0.0.1"))))
        #expect(machine.peerRead(1, TuntapPackets.frame(.packet(ByteBuffer(bytes: [0x45, 0, 0])))).isEmpty)
        #expect(machine.drops[.runt] == 1 && machine.peers[1] != nil)
        _ = machine.peerAccepted(2)
        #expect(machine.peerRead(2, TuntapPackets.frame(.packet(ByteBuffer(bytes: [0x45, 0, 0])))).count == 1)
        #expect(machine.peers[2] == nil && machine.badPeers == 1)
    }

    @Test("a first packet from 0.0.0.0 closes the peer")
    func zeroSource() {
        var machine = Self.machine()
        _ = machine.peerAccepted(1)
        let actions = machine.peerRead(1, TuntapPackets.frame(.packet(TuntapPackets.packet("0.0.0.0", "10.0.0.1"))))
        #expect(actions == [.close(1, reason: "sent a first packet from 0.0.0.0")])
    }

    @Test("a second peer claiming an address in use closes the older one (counted) and owns the address")
    func collisionClosesTheOlder() {
        var machine = Self.twoPeers()
        _ = machine.peerAccepted(3)
        let packet = TuntapPackets.packet("10.0.0.2", "10.0.0.1")
        let actions = machine.peerRead(3, TuntapPackets.frame(.packet(packet)))
        #expect(actions == [.close(1, reason: "address 10.0.0.2 claimed by a newer peer (ip collision)"), .writeDevice(packet)])
        #expect(machine.collisions == 1 && machine.peers[1] == nil)
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.1", "10.0.0.2")) == [.flush(3)])
    }

    @Test("a closed peer frees its address: the next peer takes it without a collision")
    func closeFreesTheAddress() {
        var machine = Self.twoPeers()
        machine.peerClosed(1)
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.1", "10.0.0.2")).isEmpty)
        #expect(machine.drops[.noPeer] == 1)
        _ = machine.peerAccepted(4)
        _ = machine.peerRead(4, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.2", "10.0.0.1"))))
        #expect(machine.collisions == 0)
    }

    @Test("firewall-out: the first matching rule wins, nothing matching allows, deny is a counted drop")
    func firewallOut() {
        var machine = Self.twoPeers {
            $0.firewallOut = [Self.rule("allow 10.0.0.2 10.0.0.1"), Self.rule("deny 10.0.0.0/24 10.0.0.0/24")]
        }
        let allowed = TuntapPackets.packet("10.0.0.2", "10.0.0.1")
        #expect(machine.peerRead(1, TuntapPackets.frame(.packet(allowed))) == [.writeDevice(allowed)])
        #expect(machine.peerRead(1, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.2", "10.0.0.3")))).isEmpty)
        // Peer 2's first packet (10.0.0.3 -> 10.0.0.1) met the deny before its address was learnt.
        #expect(machine.drops[.firewallOut] == 2 && machine.peers[2]?.address == nil)
        let outside = TuntapPackets.packet("10.0.0.2", "192.168.1.1")
        #expect(machine.peerRead(1, TuntapPackets.frame(.packet(outside))) == [.writeDevice(outside)])
    }

    @Test("firewall-in drops towards peers; a bare deny matches everything")
    func firewallIn() {
        var machine = Self.twoPeers { $0.firewallIn = [Self.rule("allow 10.0.0.1 10.0.0.3"), Self.rule("deny")] }
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.1", "10.0.0.2")).isEmpty)
        #expect(machine.drops[.firewallIn] == 1)
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.1", "10.0.0.3")) == [.flush(2)])
        #expect(machine.gatewayPacket(TuntapPackets.packet("10.9.9.9", "10.0.0.3")).isEmpty)
        #expect(machine.drops[.firewallIn] == 2)
    }

    @Test("device packets are framed into the owner's queue: flush on the first, then queued; the write drains it")
    func deviceToPeerQueue() {
        var machine = Self.twoPeers()
        let first = TuntapPackets.packet("10.0.0.1", "10.0.0.2")
        let second = TuntapPackets.packet("10.0.0.1", "10.0.0.2", payload: 100)
        #expect(machine.devicePacket(first) == [.flush(1)])
        #expect(machine.devicePacket(second).isEmpty)
        var expected = TuntapPackets.frame(.packet(first))
        expected.writeImmutableBuffer(TuntapPackets.frame(.packet(second)))
        #expect(machine.pendingOutput(1) == expected)
        let someLeft = machine.peerWrote(1, count: 10)
        #expect(someLeft && machine.pendingOutput(1)?.readableBytes == expected.readableBytes - 10)
        let allWritten = !machine.peerWrote(1, count: expected.readableBytes - 10)
        #expect(allWritten)
        #expect(machine.pendingOutput(1) == nil)
        #expect(machine.peers[1]?.tx == UInt64(expected.readableBytes) && machine.peers[1]?.packetsOut == 2)
        #expect(machine.devicePacket(first) == [.flush(1)], "an emptied queue flushes again")
    }

    @Test("a full peer queue drops and counts the packet for that peer only; the other peer still gets its own")
    func fullQueueDrops() {
        var machine = Self.twoPeers { $0.writeQueueLimit = 100 }
        let packet = TuntapPackets.packet("10.0.0.1", "10.0.0.2", payload: 40)  // 64-byte frame
        #expect(machine.devicePacket(packet) == [.flush(1)])
        #expect(machine.devicePacket(packet).isEmpty)
        #expect(machine.peers[1]?.dropped == 1 && machine.drops[.queueFull] == 1)
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.1", "10.0.0.3", payload: 40)) == [.flush(2)])
        #expect(machine.peers[2]?.dropped == 0)
    }

    @Test("peer rules: out deny drops, out route goes over the gateway, route without a gateway drops, in deny and in route drop")
    func peerRules() throws {
        let rules = try ["out 10.0.0.2 10.5.0.0/16 deny", "out 10.0.0.2 10.6.0.0/16 route 127.0.0.1:4000", "in 10.7.0.0/16 10.0.0.2 deny",
                         "in 10.8.0.0/16 10.0.0.2 route 127.0.0.1:4000"].map { text throws(ValueError) in try TuntapRule(parsing: text) }
        for hasGateway in [true, false] {
            var machine = Self.twoPeers { $0.hasGateway = hasGateway }
            #expect(machine.peerRead(1, TuntapPackets.frame(.rules(rules))).isEmpty)
            #expect(machine.peers[1]?.rules == rules)
            #expect(machine.peerRead(1, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.2", "10.5.1.1")))).isEmpty)
            let routed = TuntapPackets.packet("10.0.0.2", "10.6.1.1")
            let routedActions = machine.peerRead(1, TuntapPackets.frame(.packet(routed)))
            #expect(routedActions == (hasGateway ? [.sendGateway(routed, address: TuntapPackets.ip("127.0.0.1"), port: 4000)] : []))
            #expect(machine.drops[.noGateway] == (hasGateway ? nil : 1))
            #expect(machine.devicePacket(TuntapPackets.packet("10.7.0.1", "10.0.0.2")).isEmpty)
            #expect(machine.devicePacket(TuntapPackets.packet("10.8.0.1", "10.0.0.2")).isEmpty)
            #expect(machine.drops[.peerRule] == 3)
            let other = TuntapPackets.packet("10.0.0.2", "10.9.0.1")
            #expect(machine.peerRead(1, TuntapPackets.frame(.packet(other))) == [.writeDevice(other)])
            // Gateway datagrams skip the peer's rules.
            #expect(machine.gatewayPacket(TuntapPackets.packet("10.7.0.1", "10.0.0.2")) == [.flush(1)])
        }
    }

    @Test("router routes send matching peer traffic over the gateway, only when there is one")
    func routes() throws {
        let route = try TuntapRoute(parsing: "10.0.0.0/24 10.20.0.0/16 127.0.0.1:5000")
        for hasGateway in [true, false] {
            var machine = Self.twoPeers {
                $0.routes = [route]
                $0.hasGateway = hasGateway
            }
            let packet = TuntapPackets.packet("10.0.0.2", "10.20.3.4")
            #expect(machine.peerRead(1, TuntapPackets.frame(.packet(packet)))
                == [hasGateway ? .sendGateway(packet, address: TuntapPackets.ip("127.0.0.1"), port: 5000) : .writeDevice(packet)])
        }
    }

    @Test("with credentials required: data first closes, a message without credentials closes, credentials then data flows")
    func credentials() {
        var machine = Self.machine { $0.requiresCredentials = true }
        _ = machine.peerAccepted(1)
        #expect(machine.awaitsCredentials(1))
        #expect(machine.peerRead(1, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.2", "10.0.0.1")))).count == 1)
        #expect(machine.peers[1] == nil)
        _ = machine.peerAccepted(2)
        #expect(machine.peerCredentials(2, nil) == [.close(2, reason: "sent no SCM_CREDENTIALS first")])
        _ = machine.peerAccepted(3)
        #expect(machine.peerCredentials(3, .init(pid: 99, uid: 1000, gid: 1000)).isEmpty)
        #expect(!machine.awaitsCredentials(3))
        let packet = TuntapPackets.packet("10.0.0.4", "10.0.0.1")
        #expect(machine.peerRead(3, TuntapPackets.frame(.packet(packet))) == [.writeDevice(packet)])
        #expect(machine.peers[3]?.credentials?.pid == 99)
    }

    @Test("the peer cap refuses (counted) at accept")
    func peerCap() {
        var machine = Self.machine { $0.maximumPeers = 2 }
        let first = machine.peerAccepted(1)
        let second = machine.peerAccepted(2)
        let third = machine.peerAccepted(3)
        #expect(first && second && !third)
        #expect(machine.refused == 1 && machine.peers.count == 2)
    }

    @Test("deadlines: credentials not sent in time, and a queue with no progress for the write timeout, close the peer")
    func deadlines() {
        var machine = Self.machine {
            $0.requiresCredentials = true
            $0.handshakeTimeout = .seconds(5)
            $0.writeTimeout = .seconds(10)
        }
        _ = machine.peerAccepted(1)
        _ = machine.peerAccepted(2)
        _ = machine.peerCredentials(2, .init(pid: 1, uid: 0, gid: 0))
        _ = machine.peerRead(2, TuntapPackets.frame(.packet(TuntapPackets.packet("10.0.0.3", "10.0.0.1"))))
        machine.now = Self.t0 + .seconds(4)
        #expect(machine.expire().isEmpty)
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.1", "10.0.0.3")) == [.flush(2)])
        machine.now = Self.t0 + .seconds(5)
        #expect(machine.expire() == [.close(1, reason: "sent no credentials within 5 s")])
        machine.now = Self.t0 + .seconds(12)
        _ = machine.peerWrote(2, count: 1)
        machine.now = Self.t0 + .seconds(21)
        #expect(machine.expire().isEmpty, "progress at 12 s restarts the wait")
        machine.now = Self.t0 + .seconds(22)
        #expect(machine.expire() == [.close(2, reason: "read nothing for 10 s")])
        #expect(machine.peers.isEmpty)
    }
}
