import NIOCore
import Testing
@testable import RouterRuntime

@Suite("Stream connection state machine: when bytes may pass untouched (splice)")
struct StreamConnectionStateMachineSpliceTests {
    typealias S = StreamMachineSupport
    typealias Machine = StreamConnectionStateMachine

    /// A raw machine connected to its node.
    static func rawRelaying() -> Machine {
        var m = S.raw()
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        return m
    }

    @Test("a raw relay passes bytes untouched once connected, not before")
    func rawOnceConnected() {
        var m = S.raw()
        #expect(!m.relaysUntouched)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        #expect(!m.relaysUntouched)
        _ = m.upstreamConnected(writable: true)
        #expect(m.relaysUntouched)
    }

    @Test("bytes held while connecting are written at connect, and the relay is untouched after")
    func heldBytesGoFirst() {
        var m = S.raw()
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.clientRead(ByteBuffer(string: "early"))
        #expect(!m.relaysUntouched)
        #expect(m.upstreamConnected(writable: true) == .connected(write: ByteBuffer(string: "early"), shutdownNodeOutput: false, resumeClientReads: false))
        #expect(m.relaysUntouched)
    }

    @Test("a fast relay always passes through the machine", arguments: S.stateNames)
    func fastNever(state: String) {
        #expect(!S.machine(in: state).relaysUntouched)
    }

    @Test("--rawrouter-xclient: untouched only after the greeting was replaced")
    func xclientAfterGreeting() {
        var configuration = Machine.Configuration(mode: .raw(key: ByteBuffer(string: ":25")))
        configuration.xclient = true
        var m = Machine(configuration: configuration)
        m.prepare(client: try? SocketAddress(ipAddress: "192.0.2.25", port: 4000))
        _ = m.start(now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        #expect(!m.relaysUntouched)
        _ = m.upstreamRead(ByteBuffer(string: "220 mx.test ESMTP\r\n"))
        #expect(m.relaysUntouched)
    }

    @Test("spliced bytes are counted both ways and keep the session active")
    func splicedCounts() {
        var m = Self.rawRelaying()
        m.splicedToNode(1 << 20)
        m.splicedFromNode(3)
        _ = m.clientRead(ByteBuffer(string: "copy"))
        #expect(m.bytesToNode == UInt64(1 << 20) + 4)
        #expect(m.bytesFromNode == 3)
        // Activity within the timeout re-arms instead of closing.
        #expect(m.deadlineFired(now: S.t0 + .seconds(60)) == .armTimer(S.t0 + .seconds(120)))
        #expect(m.deadlineFired(now: S.t0 + .seconds(120)) == .close(.inactive))
    }

    @Test("spliced counts after the close are ignored")
    func splicedAfterClose() {
        var m = Self.rawRelaying()
        _ = m.upstreamClosed()
        m.splicedToNode(10)
        m.splicedFromNode(10)
        #expect(m.bytesToNode == 0)
        #expect(m.bytesFromNode == 0)
        #expect(!m.relaysUntouched)
    }

    @Test("half-closes still go through the machine while spliced")
    func halfClosesWhileSpliced() {
        var m = Self.rawRelaying()
        m.splicedToNode(5)
        #expect(m.clientInputClosed() == .shutdownNodeOutput)
        #expect(m.relaysUntouched)
        m.splicedFromNode(7)
        #expect(m.upstreamInputClosed() == .finishBoth(within: .seconds(60)))
        #expect(m.bytesToNode == 5)
        #expect(m.bytesFromNode == 7)
    }
}
