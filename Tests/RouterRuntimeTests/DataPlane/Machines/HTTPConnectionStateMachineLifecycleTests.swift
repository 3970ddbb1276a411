import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("HTTP connection state machine: retries")
struct HTTPConnectionStateMachineRetryTests {
    typealias S = HTTPMachineSupport

    @Test("a connect failure asks for the next node and resends the same packet")
    func connectFailedRetries() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        #expect(m.upstreamConnectFailed() == .retryOnNextNode(.connectFailed))
        #expect(m.request?.retrying == .connectFailed)
        #expect(m.routed(.node(modifier1: 4, modifier2: 0)) == .connect(firstBytes: S.packet(S.get(), modifier1: 4)))
        #expect(m.upstreamConnected(writable: true) == .connected(write: nil, resumeClientReads: false))
    }

    @Test("a retry keeps the body that came with the head and the body read meanwhile")
    func connectFailedKeepsBody() {
        var m = S.machine()
        let head = S.post("abcdef")
        _ = m.clientRead(S.buffer(head + "abc"), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.clientRead(S.buffer("de"), now: S.t0)
        _ = m.upstreamConnectFailed()
        var expected = S.packet(head)
        expected.writeString("abc")
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: expected))
        #expect(m.upstreamConnected(writable: true) == .connected(write: S.buffer("de"), resumeClientReads: false))
        #expect(m.request?.bodyRemaining == 1)
    }

    @Test("a refusal after connect failures answers 502 for no node or cheap, else 503", arguments: [
        (RouteRefusal.noNode, 502), (.cheap, 502), (.retriesExhausted, 502), (.noKey, 503),
    ])
    func connectFailedRefused(reason: RouteRefusal, status: Int) {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnectFailed()
        guard case .answer(let response, .refused) = m.routed(.refused(reason)) else {
            Issue.record("expected an answer")
            return
        }
        #expect(response == (status == 502 ? HTTPErrorResponse.badGateway : HTTPErrorResponse.serviceUnavailable))
    }

    @Test("a connect failure after the client left abandons the attempt")
    func connectFailedClientGone() {
        var m = S.machine(in: "connecting")
        _ = m.clientClosed()
        #expect(m.upstreamConnectFailed() == .abandonAttempt)
    }

    @Test("a connect after the client left closes the node")
    func connectedClientGone() {
        var m = S.machine(in: "connecting")
        _ = m.clientClosed()
        #expect(m.upstreamConnected(writable: true) == .closeNode)
    }

    @Test("a route answer outside routing is ignored", arguments: ["idle", "sendingBody", "awaitingResponse", "raw", "closed"])
    func strayRoute(state: String) {
        var m = S.machine(in: state)
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .none)
    }

    @Test("a second connect failure report without a retry pending abandons", arguments: [true])
    func doubleConnectFailure(_: Bool) {
        var m = S.machine(in: "connecting")
        _ = m.upstreamConnectFailed()
        #expect(m.upstreamConnectFailed() == .abandonAttempt)
    }

    @Test("an unanswered GET is retried on the next node with the whole request", arguments: [0, 1, 1000, 60_000])
    func unansweredRetried(bodySize: Int) {
        var m = S.machine()
        let body = String(repeating: "b", count: bodySize)
        let head = S.post(body, method: "PUT")
        _ = S.connected(&m, head)
        if bodySize > 0 { _ = m.clientRead(S.buffer(body), now: S.t0) }
        #expect(S.name(m.state) == "awaitingResponse")
        #expect(m.upstreamClosed(now: S.t0) == .retryOnNextNode(.closedBeforeResponse))
        var expected = S.packet(head, modifier1: 7)
        expected.writeString(body)
        #expect(m.routed(.node(modifier1: 7, modifier2: 0)) == .connect(firstBytes: expected))
        #expect(m.bytesToNode == UInt64(expected.readableBytes))
        #expect(m.upstreamConnected(writable: true) == .connected(write: nil, resumeClientReads: false))
        #expect(m.upstreamRead(S.buffer(S.okLength)) == .writeToClient(.bytes(S.buffer(S.okLength))))
    }

    @Test("an unanswered request is retried as often as the policy offers nodes")
    func unansweredRetriedTwice() {
        var m = S.machine(in: "awaitingResponse")
        for _ in 0..<3 {
            #expect(m.upstreamClosed(now: S.t0) == .retryOnNextNode(.closedBeforeResponse))
            _ = m.routed(.node(modifier1: 0, modifier2: 0))
            _ = m.upstreamConnected(writable: true)
        }
    }

    @Test("an unanswered request the policy cannot place again is answered 502", arguments: [
        RouteRefusal.noKey, .noNode, .cheap, .retriesExhausted,
    ])
    func unansweredRefused(reason: RouteRefusal) {
        var m = S.machine(in: "awaitingResponse")
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.routed(.refused(reason)) == .answer(HTTPErrorResponse.badGateway, .nodeSilent))
    }

    @Test("requests that are not retried get 502", arguments: [
        ("POST", 10), ("PATCH", 0), ("PUT", 70_000),
    ])
    func notRetried(method: String, bodySize: Int) {
        var m = S.machine()
        let body = String(repeating: "b", count: bodySize)
        _ = S.connected(&m, S.post(body, method: method))
        _ = m.clientRead(S.buffer(body), now: S.t0)
        #expect(S.name(m.state) == "awaitingResponse")
        #expect(m.upstreamClosed(now: S.t0) == .answer(HTTPErrorResponse.badGateway, .nodeSilent))
    }

    @Test("a node closing while the body is still due is not retried")
    func bodyIncompleteNotRetried() {
        var m = S.machine(in: "sendingBody")
        #expect(m.upstreamClosed(now: S.t0) == .answer(HTTPErrorResponse.badGateway, .nodeSilent))
    }

    @Test("a node that sent part of a response is never retried")
    func partialResponseNotRetried() {
        var m = S.machine(in: "awaitingResponse")
        _ = m.upstreamRead(S.buffer("HTTP/1.1 2"))
        #expect(m.request?.retry.isKeeping == false)
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: .bytes(S.buffer("HTTP/1.1 2")), then: .close))
    }

    @Test("a raw relay closed before any byte is answered 502, not retried")
    func rawNotRetried() {
        var m = S.machine(in: "raw")
        #expect(m.upstreamClosed(now: S.t0) == .answer(HTTPErrorResponse.badGateway, .nodeSilent))
    }
}

@Suite("HTTP connection state machine: deadlines, stops and closes")
struct HTTPConnectionStateMachineLifecycleTests {
    typealias S = HTTPMachineSupport

    @Test("the head deadline fires with nothing received: 408")
    func headDeadlineFirstRequest() {
        var m = S.machine()
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .answer(HTTPErrorResponse.requestTimeout, .headTimeout))
        #expect(m.state == .closed)
    }

    @Test("an idle keep-alive connection is closed silently at its head deadline")
    func headDeadlineIdleKeepAlive() {
        var m = S.machine(in: "idleAfterResponse")
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .close(.idleKeepAlive))
    }

    @Test("a partial second head at the deadline is answered 408")
    func headDeadlinePartialSecondHead() {
        var m = S.machine(in: "idleAfterResponse")
        _ = m.clientRead(S.buffer("GET / HT"), now: S.t0)
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .answer(HTTPErrorResponse.requestTimeout, .headTimeout))
    }

    @Test("trickled head bytes do not extend the head deadline")
    func trickleDoesNotExtend() {
        var m = S.machine()
        for i in 0..<9 {
            #expect(m.clientRead(S.buffer("G"), now: S.t0 + .seconds(Int64(i))) == .none)
        }
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .answer(HTTPErrorResponse.requestTimeout, .headTimeout))
    }

    @Test("a deadline in an active state re-arms after activity, closes after none", arguments: [
        "routing", "connecting", "sendingBody", "awaitingResponse", "raw",
    ])
    func inactivity(state: String) {
        var m = S.machine(in: state)
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .armTimer(S.t0 + .seconds(70)))
        #expect(m.deadlineFired(now: S.t0 + .seconds(70)) == .close(.inactive))
        #expect(m.state == .closed)
    }

    @Test("client and node bytes both count as activity", arguments: [true, false])
    func activitySources(fromClient: Bool) {
        var m = S.machine(in: "raw")
        _ = m.deadlineFired(now: S.t0 + .seconds(10))
        if fromClient {
            _ = m.clientRead(S.buffer("x"), now: S.t0 + .seconds(20))
        } else {
            _ = m.upstreamRead(S.buffer("x"))
        }
        #expect(m.deadlineFired(now: S.t0 + .seconds(70)) == .armTimer(S.t0 + .seconds(130)))
    }

    @Test("a deadline after the close does nothing")
    func deadlineClosed() {
        var m = S.machine(in: "closed")
        #expect(m.deadlineFired(now: S.t0 + .seconds(100)) == .none)
    }

    @Test("a deadline fires in every state", arguments: S.stateNames)
    func deadlineEveryState(state: String) {
        var m = S.machine(in: state)
        let action = m.deadlineFired(now: S.t0 + .seconds(10))
        switch state {
        case "idle": #expect(action == .answer(HTTPErrorResponse.requestTimeout, .headTimeout))
        case "idleAfterResponse": #expect(action == .close(.idleKeepAlive))
        case "closed": #expect(action == .none)
        default: #expect(action == .armTimer(S.t0 + .seconds(70)))
        }
    }

    @Test("a stop closes an idle connection at once")
    func stopIdle() {
        var m = S.machine()
        #expect(m.stopRequested() == .close(.stopped))
        #expect(m.state == .closed)
    }

    @Test("a stop while a head is arriving lets it finish, without keep-alive")
    func stopDuringHead() {
        var m = S.keepAliveMachine()
        _ = m.clientRead(S.buffer("GET / HTTP/1.1\r\n"), now: S.t0)
        #expect(m.stopRequested() == .none)
        #expect(m.clientRead(S.buffer("Host: a\r\n\r\n"), now: S.t0) == .route(key: S.buffer("a"), armTimer: nil, interim: nil))
        #expect(m.request?.keepAlive == false)
    }

    @Test("a stop during a request ends the connection after its response", arguments: [
        "routing", "connecting", "sendingBody", "awaitingResponse",
    ])
    func stopDuringRequest(state: String) {
        var m = S.machine(in: state)
        #expect(m.stopRequested() == .none)
        #expect(m.request?.keepAlive == false)
        if state == "routing" { _ = m.routed(.node(modifier1: 0, modifier2: 0)) }
        if state == "routing" || state == "connecting" { _ = m.upstreamConnected(writable: true) }
        if state == "sendingBody" { _ = m.clientRead(S.buffer("abcdef"), now: S.t0) }
        _ = m.upstreamRead(S.buffer(S.okLength))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
    }

    @Test("a stop during a raw relay lets it run")
    func stopDuringRaw() {
        var m = S.machine(in: "raw")
        #expect(m.stopRequested() == .none)
        #expect(m.clientRead(S.buffer("x"), now: S.t0) == .writeToNode(S.buffer("x")))
    }

    @Test("a stop in every state", arguments: S.stateNames)
    func stopEveryState(state: String) {
        var m = S.machine(in: state)
        let action = m.stopRequested()
        if state == "idle" || state == "idleAfterResponse" {
            #expect(action == .close(.stopped))
        } else {
            #expect(action == .none)
        }
    }

    @Test("a stop after a response was kept alive closes at the next chance")
    func stopAfterKeepAlive() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get("/1") + S.get("/2"))
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        // Bytes of the next request are held: the stop does not cut them off.
        #expect(m.stopRequested() == .none)
        _ = m.nextRequest(now: S.t0)
        #expect(m.request?.keepAlive == false)
    }

    @Test("the client going away closes the node link where there is one", arguments: S.stateNames)
    func clientClosedEveryState(state: String) {
        var m = S.machine(in: state)
        let hasLink = ["sendingBody", "awaitingResponse", "raw"].contains(state)
        #expect(m.clientClosed() == (hasLink ? .closeNode : .none))
        #expect(m.state == .closed)
    }

    @Test("client bytes after the close are ignored")
    func bytesAfterClose() {
        var m = S.machine(in: "closed")
        #expect(m.clientRead(S.buffer(S.get()), now: S.t0) == .none)
        #expect(m.stopRequested() == .none)
    }

    @Test("a client that half-closes mid-body loses its connection and the node link")
    func clientHalfCloseMidBody() {
        var m = S.machine(in: "sendingBody")
        _ = m.clientRead(S.buffer("abc"), now: S.t0)
        #expect(m.clientClosed() == .closeNode)
        #expect(m.upstreamRead(S.buffer(S.okLength)) == .none)
        #expect(m.upstreamClosed(now: S.t0) == .none)
    }
}
