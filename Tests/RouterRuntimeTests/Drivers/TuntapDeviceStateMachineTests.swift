import NIOCore
import RouterConfig
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("tuntap device state machine")
struct TuntapDeviceStateMachineTests {
    typealias Machine = TuntapDeviceStateMachine

    @Test("the rules frame is queued first; none is sent without rules")
    func rulesFirst() throws {
        let rules = [try TuntapRule(parsing: "out 10.0.0.2 10.5.0.0/16 deny")]
        let machine = Machine(rules: rules)
        #expect(machine.outbound == TuntapPackets.frame(.rules(rules)))
        #expect(Machine(rules: []).outbound.readableBytes == 0)
    }

    @Test("IPv4 packets from the device are framed (flush on the first only); other protocols and runts are dropped")
    func deviceToRouter() {
        var machine = Machine(rules: [])
        let packet = TuntapPackets.packet("10.0.0.2", "10.0.0.1")
        #expect(machine.devicePacket(packet) == [.flush])
        #expect(machine.devicePacket(packet).isEmpty)
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.2", "10.0.0.1", version: 6)).isEmpty)
        #expect(machine.devicePacket(ByteBuffer(bytes: [0x45])).isEmpty)
        #expect(machine.dropped == 2 && machine.packetsToRouter == 2)
        var expected = TuntapPackets.frame(.packet(packet))
        expected.writeImmutableBuffer(TuntapPackets.frame(.packet(packet)))
        #expect(machine.outbound == expected)
        let someLeft = machine.wrote(5)
        let allWritten = !machine.wrote(expected.readableBytes - 5)
        #expect(someLeft && allWritten)
        #expect(machine.devicePacket(packet) == [.flush])
    }

    @Test("a full queue towards the router drops (counted)")
    func fullQueue() {
        var machine = Machine(rules: [], writeQueueLimit: 40)
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.2", "10.0.0.1")) == [.flush])
        #expect(machine.devicePacket(TuntapPackets.packet("10.0.0.2", "10.0.0.1")).isEmpty)
        #expect(machine.dropped == 1)
    }

    @Test("frames from the router become device writes in any split; a bad frame fails the link")
    func routerToDevice() {
        let packets = [TuntapPackets.packet("10.0.0.1", "10.0.0.2"), TuntapPackets.packet("10.0.0.3", "10.0.0.2", payload: 300)]
        var stream = ByteBuffer()
        for packet in packets { stream.writeImmutableBuffer(TuntapPackets.frame(.packet(packet))) }
        var machine = Machine(rules: [])
        var actions: [Machine.Action] = []
        var offset = 0
        for size in [1, 3, 17, 200, 1000] where offset < stream.readableBytes {
            let length = min(size, stream.readableBytes - offset)
            actions += machine.routerRead(stream.getSlice(at: offset, length: length)!)
            offset += length
        }
        #expect(actions == packets.map { .writeDevice($0) })
        #expect(machine.packetsFromRouter == 2)
        let failed = machine.routerRead(ByteBuffer(bytes: [7, 1, 0, 0, 0]))
        guard case .fail(let reason) = failed.last else {
            Issue.record("expected a failure, got \(failed)")
            return
        }
        #expect(reason.contains("bad frame"))
    }
}
