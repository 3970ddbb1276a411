import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("Stream connection state machine: --fastrouter-post-buffering")
struct StreamConnectionStateMachinePostBufferingTests {
    typealias S = StreamMachineSupport
    typealias Machine = StreamConnectionStateMachine

    static func buffering(_ limit: Int) -> Machine {
        S.fast { $0.postBuffering = limit }
    }

    static func withBody(_ packet: ByteBuffer, _ body: String) -> ByteBuffer {
        var out = packet
        out.writeString(body)
        return out
    }

    /// A machine whose `body`-byte body (limit `limit`) was spooled whole, routed and connected.
    static func spooledAndConnected(limit: Int, body: Int) -> (Machine, Machine.Action) {
        var m = buffering(limit)
        _ = m.clientRead(S.request(body: body))
        _ = m.clientRead(ByteBuffer(string: String(repeating: "b", count: body)))
        _ = m.bodySpooled()
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        let connected = m.upstreamConnected(writable: true)
        return (m, connected)
    }

    @Test("a packet announcing a body waits for it before routing")
    func waitsForBody() {
        var m = Self.buffering(64)
        #expect(m.clientRead(S.request(body: 5)) == .none)
        #expect(S.name(m.state) == "buffering")
        #expect(m.clientRead(ByteBuffer(string: "abcd")) == .none)
        #expect(m.clientRead(ByteBuffer(string: "e")) == .route(key: ByteBuffer(string: "app.key"), armTimer: nil))
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: Self.withBody(S.request(body: 5), "abcde")))
        #expect(m.upstreamConnected(writable: true) == .connected(write: nil, shutdownNodeOutput: false, resumeClientReads: false))
    }

    @Test("the packet and its whole body in one read route at once; bytes past the body follow it")
    func oneRead() {
        var m = Self.buffering(64)
        #expect(m.clientRead(Self.withBody(S.request(body: 3), "abcXY")) == .route(key: ByteBuffer(string: "app.key"), armTimer: nil))
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: Self.withBody(S.request(body: 3), "abc")))
        #expect(m.upstreamConnected(writable: true) == .connected(write: ByteBuffer(string: "XY"), shutdownNodeOutput: false, resumeClientReads: false))
    }

    @Test("without CONTENT_LENGTH, or with the option off, the packet routes at once")
    func noBodyRoutes() {
        var noBody = Self.buffering(64)
        #expect(noBody.clientRead(S.request()) == .route(key: ByteBuffer(string: "app.key"), armTimer: nil))
        var off = S.fast()
        #expect(off.clientRead(S.request(body: 5)) == .route(key: ByteBuffer(string: "app.key"), armTimer: nil))
    }

    @Test("a body over the limit is spooled and sent after the packet, client bytes waiting meanwhile")
    func spooled() {
        var m = Self.buffering(4)
        #expect(m.clientRead(S.request(body: 10)) == .none)
        #expect(m.clientRead(ByteBuffer(string: "abcdef")) == .spoolBody(ByteBuffer(string: "abcdef")))
        #expect(m.bodySpooled() == .none)
        #expect(m.clientRead(ByteBuffer(string: "ghij")) == .spoolBody(ByteBuffer(string: "ghij")))
        #expect(m.bodySpooled() == .route(key: ByteBuffer(string: "app.key"), armTimer: nil))
        // The modifiers are set on the packet, which goes alone.
        #expect(m.routed(.node(modifier1: 5, modifier2: 0)) == .connect(firstBytes: S.request(body: 10, modifier1: 5)))
        #expect(m.upstreamConnected(writable: true) == .sendSpooled(offset: 0, length: 10))
        // The client's next bytes (and its half-close) wait for the body.
        #expect(m.clientRead(ByteBuffer(string: "more")) == .none)
        #expect(m.clientInputClosed() == .none)
        #expect(m.spooledChunkSent(writable: true) == .connected(write: ByteBuffer(string: "more"), shutdownNodeOutput: true, resumeClientReads: false))
        #expect(m.bytesToNode == UInt64(S.request(body: 10).readableBytes + 10 + 4))
    }

    @Test("a big spool goes in chunks under the node's backpressure")
    func chunks() {
        var (m, connected) = Self.spooledAndConnected(limit: 8, body: 100_000)
        #expect(connected == .sendSpooled(offset: 0, length: 65536))
        #expect(m.spooledChunkSent(writable: false) == .flushNode)
        #expect(m.upstreamWritabilityChanged(true) == .sendSpooled(offset: 65536, length: 34464))
        #expect(m.spooledChunkSent(writable: true) == .connected(write: ByteBuffer(), shutdownNodeOutput: false, resumeClientReads: false))
        #expect(!m.isSendingSpool)
    }

    @Test("the client shutting its output before the body is whole closes it")
    func halfCloseMidBody() {
        var m = Self.buffering(64)
        _ = m.clientRead(S.request(body: 10))
        _ = m.clientRead(ByteBuffer(string: "abc"))
        #expect(m.clientInputClosed() == .close(.bodyIncomplete))
        #expect(m.state == .closed)
    }

    @Test("the body phase re-arms after activity and closes a quiet client")
    func deadline() {
        var m = Self.buffering(64)
        _ = m.clientRead(S.request(body: 10))
        #expect(m.deadlineFired(now: S.t0 + .seconds(5)) == .armTimer(S.t0 + .seconds(65)))
        #expect(m.deadlineFired(now: S.t0 + .seconds(65)) == .close(.bodyIncomplete))
    }

    @Test("a spool that cannot be written closes the client")
    func spoolFails() {
        var m = Self.buffering(2)
        _ = m.clientRead(S.request(body: 10))
        _ = m.clientRead(ByteBuffer(string: "abc"))
        #expect(m.spoolFailed("ENOSPC") == .close(.spoolFailed("ENOSPC")))
        #expect(m.spoolFailed("again") == .none)
    }

    @Test("a body in memory is retried on the next node; a spooled one is not")
    func retry() {
        var held = Self.buffering(64)
        _ = held.clientRead(Self.withBody(S.request(method: "PUT", body: 3), "abc"))
        _ = held.routed(.node(modifier1: 0, modifier2: 0))
        _ = held.upstreamConnected(writable: true)
        #expect(held.upstreamClosed() == .retryOnNextNode(.closedBeforeResponse))

        var (spooled, _) = Self.spooledAndConnected(limit: 2, body: 10)
        _ = spooled.spooledChunkSent(writable: true)
        #expect(spooled.upstreamClosed() == .closeAfterFlush)
    }

    @Test("the client leaving mid-body ends the connection")
    func clientLeaves() {
        var m = Self.buffering(64)
        _ = m.clientRead(S.request(body: 10))
        #expect(m.clientClosed() == .none)
        #expect(m.state == .closed && m.postBuffer == nil)
    }
}
