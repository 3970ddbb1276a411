import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("Connection machines while a route is pending (a code forwarder resolving the key)")
struct ConnectionMachinesPendingRouteTests {
    typealias S = HTTPMachineSupport

    @Test("HTTP: bytes arriving while routing are held up to a watermark, then reads pause once")
    func httpHoldsThenPauses() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.post(String(repeating: "b", count: 100_000))), now: S.t0)
        #expect(m.isRouting)
        #expect(m.clientRead(ByteBuffer(repeating: 0x62, count: 60_000), now: S.t0) == .none)
        #expect(m.clientRead(ByteBuffer(repeating: 0x62, count: 10_000), now: S.t0) == .pauseClientReads)
        #expect(m.clientRead(ByteBuffer(repeating: 0x62, count: 10_000), now: S.t0) == .none)
        #expect(m.isPausingClientReads)
    }

    @Test("HTTP: a resolver failure answers 502; the machine no longer waits for a route")
    func httpResolverFailureIs502() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        #expect(m.routed(.refused(.resolverFailed)) == .answer(HTTPErrorResponse.badGateway, .refused(.resolverFailed, key: S.buffer("app.local"))))
        #expect(!m.isRouting)
    }

    @Test("HTTP: the client leaving while routing ends the wait; a late route changes nothing")
    func httpClientLeavesWhileRouting() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        #expect(m.clientClosed() == .none)
        #expect(!m.isRouting)
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .none)
    }

    @Test("HTTP: the inactivity deadline closes a connection whose route never came")
    func httpDeadlineWhileRouting() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        // The request head was activity: the first fire re-arms, the next one without any closes.
        guard case .armTimer(let next) = m.deadlineFired(now: S.t0 + .seconds(61)) else {
            Issue.record("the first fire did not re-arm"); return
        }
        #expect(m.deadlineFired(now: next) == .close(.inactive))
        #expect(!m.isRouting)
    }

    @Test("stream: a raw relay routes at once and waits; the client leaving ends the wait")
    func streamWaits() {
        let configuration = StreamConnectionStateMachine.Configuration(mode: .raw(key: ByteBuffer(string: "k")))
        var m = StreamConnectionStateMachine(configuration: configuration)
        if case .route = m.start(now: S.t0) {} else { Issue.record("no route asked") }
        #expect(m.isRouting)
        #expect(m.clientClosed() == .none)
        #expect(!m.isRouting)
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .none)
    }
}
