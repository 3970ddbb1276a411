import NIOCore
import Testing
@testable import RouterRuntime

@Suite("HTTP connection state machine: an idle keep-alive connection holds no read buffer")
struct HTTPConnectionStateMachineIdleMemoryTests {
    typealias S = HTTPMachineSupport

    /// A 64 KiB read buffer, as the lean loops' pool hands out, holding `text`.
    static func pooledRead(_ text: String) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64 * 1024)
        buffer.writeString(text)
        return buffer
    }

    /// Whether `slice`'s bytes live in `buffer`'s storage.
    static func shares(_ slice: ByteBuffer, with buffer: ByteBuffer) -> Bool {
        guard slice.readableBytes > 0 else { return false }
        return buffer.withUnsafeReadableBytes { whole in
            slice.withUnsafeReadableBytes { part in
                let start = UInt(bitPattern: whole.baseAddress!)
                let at = UInt(bitPattern: part.baseAddress!)
                return at >= start && at < start + UInt(buffer.capacity)
            }
        }
    }

    @Test("after a keep-alive response with nothing held, neither the read buffer nor a slice of it is kept")
    func idleDropsReadBuffer() {
        var m = S.keepAliveMachine()
        let read = Self.pooledRead(S.get(host: "app.local"))
        guard case .route(let key, _, _) = m.clientRead(read, now: S.t0) else {
            Issue.record("no route for a whole head")
            return
        }
        #expect(!Self.shares(key, with: read))
        #expect(String(buffer: key) == "app.local")
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(S.name(m.state) == "idle")
        #expect(m.inbound.capacity == 0)
        #expect(m.packet.capacity == 0)
        #expect(!Self.shares(m.key, with: read))
    }

    @Test("the packet let go of at the response's end is handed out once, and a supplied buffer takes the next head in place")
    func packetRecycled() {
        var m = S.keepAliveMachine()
        m.supplyPacket(ByteBufferAllocator().buffer(capacity: 4096))
        let supplied = m.packet.capacity
        #expect(supplied >= 4096)
        _ = m.clientRead(Self.pooledRead(S.get(host: "app.local")), now: S.t0)
        let first = m.packet.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        // Not replaced while a request holds it.
        m.supplyPacket(ByteBuffer(string: "not taken"))
        #expect(m.packet.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == first)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        #expect(m.takeSpentPacket() == nil)
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.packet.capacity == 0)  // idle: the machine holds no packet
        guard var spent = m.takeSpentPacket() else {
            Issue.record("no packet handed out at the response's end")
            return
        }
        #expect(m.takeSpentPacket() == nil)
        #expect(spent.capacity == supplied)
        // Given back for the next request: its head is written into the same storage.
        spent.clear()
        m.supplyPacket(spent)
        spent = ByteBuffer()  // the pool lets go of it, as `take` does
        _ = m.clientRead(Self.pooledRead(S.get(host: "app.local")), now: S.t0)
        #expect(m.packet.readableBytes > 0)
        #expect(m.packet.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == first)
    }

    @Test("a response that ends the connection hands its packet out too")
    func packetRecycledAtClose() {
        var m = S.machine()
        m.supplyPacket(ByteBufferAllocator().buffer(capacity: 4096))
        _ = m.clientRead(Self.pooledRead(S.get(host: "app.local")), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        _ = m.upstreamRead(S.buffer(S.okLength))
        guard case .responseEnded(_, then: .close) = m.upstreamClosed(now: S.t0) else {
            Issue.record("the response did not end the connection")
            return
        }
        #expect(m.takeSpentPacket()?.capacity ?? 0 >= 4096)
        #expect(m.packet.capacity == 0)
    }

    @Test("once routed, a head that was the whole read leaves the read buffer alone (the node's response is read into it next)")
    func routedDropsConsumedReadBuffer() {
        var m = S.keepAliveMachine()
        _ = m.clientRead(Self.pooledRead(S.get(host: "app.local")), now: S.t0)
        guard case .connect = m.routed(.node(modifier1: 0, modifier2: 0)) else {
            Issue.record("no connect for a routed head")
            return
        }
        #expect(m.inbound.capacity == 0)
        // Bytes of a next request that came with the head stay held.
        var held = S.keepAliveMachine()
        _ = held.clientRead(Self.pooledRead(S.get(host: "app.local") + "GET /next HT"), now: S.t0)
        _ = held.routed(.node(modifier1: 0, modifier2: 0))
        #expect(String(buffer: held.inbound) == "GET /next HT")
    }

    @Test("a next request's bytes held at the response's end stay held")
    func idleKeepsHeldBytes() {
        var m = S.keepAliveMachine()
        _ = m.clientRead(Self.pooledRead(S.get()), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        _ = m.clientRead(S.buffer("GET /next HT"), now: S.t0)
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.holdsNextRequest)
        #expect(String(buffer: m.inbound) == "GET /next HT")
    }

    @Test("the same key on the next request reuses the kept copy; a new key gets its own")
    func keyCopiedOnlyWhenItChanges() {
        let first = ByteBuffer(string: "app.local")
        let same = Self.pooledRead("app.local")
        #expect(HTTPConnectionStateMachine.kept(same, previous: first).withUnsafeReadableBytes { $0.baseAddress }
            == first.withUnsafeReadableBytes { $0.baseAddress })
        let other = Self.pooledRead("other.local")
        let kept = HTTPConnectionStateMachine.kept(other, previous: first)
        #expect(String(buffer: kept) == "other.local")
        #expect(!Self.shares(kept, with: other))
    }
}
