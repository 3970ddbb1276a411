import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("HTTP connection state machine: heads and routing")
struct HTTPConnectionStateMachineHeadTests {
    typealias S = HTTPMachineSupport

    @Test("start arms the head deadline")
    func startArmsHeadDeadline() {
        var m = HTTPConnectionStateMachine(configuration: S.configuration(), connectionVars: S.vars)
        #expect(m.start(now: S.t0) == .armTimer(S.t0 + .seconds(10)))
        #expect(m.state == .idle)
    }

    @Test("a partial head waits")
    func partialHeadWaits() {
        var m = S.machine()
        #expect(m.clientRead(S.buffer("GET / HTTP/1.1\r\nHost: a"), now: S.t0) == .none)
        #expect(m.state == .idle)
    }

    @Test("a complete head asks for a route by its Host")
    func completeHeadRoutes() {
        var m = S.machine()
        #expect(m.clientRead(S.buffer(S.get()), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.requests == 1)
        #expect(S.name(m.state) == "routing")
    }

    @Test("with --subscription-mountpoints N the key is the Host plus the URI's first N segments", arguments: [
        (1, "GET /api/v1/x?q=1 HTTP/1.1\r\nHost: app.local\r\n\r\n", "app.local/api"),
        (2, "GET /api/v1/x HTTP/1.1\r\nHost: app.local\r\n\r\n", "app.local/api/v1"),
        (1, "GET / HTTP/1.1\r\nHost: app.local\r\n\r\n", "app.local"),
        (1, "GET /static/a.css HTTP/1.0\r\n\r\n", "router.test/static"),
    ])
    func mountpointKey(segments: Int, head: String, key: String) {
        var m = S.machine { $0.mountpoints = segments }
        #expect(m.clientRead(S.buffer(head), now: S.t0) == .route(key: S.buffer(key), armTimer: nil, interim: nil))
    }

    @Test("a head without Host routes by the server name")
    func noHostUsesDefaultKey() {
        var m = S.machine()
        #expect(m.clientRead(S.buffer("GET / HTTP/1.0\r\n\r\n"), now: S.t0) == .route(key: S.buffer("router.test"), armTimer: nil, interim: nil))
    }

    @Test("a head split at every byte routes only when its last byte arrives")
    func headSplitAtEveryByte() {
        let head = Array(S.get("/split", extra: "X-A: 1\r\n").utf8)
        var m = S.machine()
        for (i, byte) in head.enumerated() {
            let action = m.clientRead(ByteBuffer(bytes: [byte]), now: S.t0)
            if i == head.count - 1 {
                #expect(action == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
            } else {
                #expect(action == .none, "byte \(i)")
            }
        }
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: S.packet(S.get("/split", extra: "X-A: 1\r\n"))))
    }

    @Test("a malformed head is answered 400 and closes", arguments: ["garbage\r\n\r\n", " / HTTP/1.1\r\n\r\n", "GET\r\n\r\n"])
    func malformedHead(head: String) {
        var m = S.machine()
        guard case .answer(let response, .badRequest) = m.clientRead(S.buffer(head), now: S.t0) else {
            Issue.record("expected a 400")
            return
        }
        #expect(response == HTTPErrorResponse.badRequest)
        #expect(m.state == .closed)
    }

    @Test("a head over the limit is answered 431")
    func headTooLarge() {
        var m = S.machine { $0.maxHeadSize = 64 }
        let action = m.clientRead(S.buffer("GET / HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 80)), now: S.t0)
        #expect(action == .answer(HTTPErrorResponse.headTooLarge, .headTooLarge(limit: 64)))
        #expect(m.state == .closed)
    }

    @Test("a refused first route answers 503, or 502 when retries are exhausted", arguments: [
        (RouteRefusal.noKey, 503), (.noNode, 503), (.cheap, 503), (.retriesExhausted, 502),
    ])
    func refusedRoute(reason: RouteRefusal, status: Int) {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        let expected = status == 502 ? HTTPErrorResponse.badGateway : HTTPErrorResponse.serviceUnavailable
        #expect(m.routed(.refused(reason)) == .answer(expected, .refused(reason, key: S.buffer("app.local"))))
        #expect(m.state == .closed)
    }

    @Test("a route to a node connects with the packet carrying the node's modifiers")
    func routeConnectsWithModifiers() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        #expect(m.routed(.node(modifier1: 5, modifier2: 7)) == .connect(firstBytes: S.packet(S.get(), modifier1: 5, modifier2: 7)))
        #expect(m.bytesToNode == UInt64(S.packet(S.get()).readableBytes))
    }

    @Test("--http-modifier1/2 override the node's modifiers")
    func configuredModifiersWin() {
        var m = S.machine {
            $0.modifier1 = 9
            $0.modifier2 = 3
        }
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        #expect(m.routed(.node(modifier1: 5, modifier2: 7)) == .connect(firstBytes: S.packet(S.get(), modifier1: 9, modifier2: 3)))
    }

    @Test("modifier1 123 sends 0 and relays the body raw")
    func modifier123IsRaw() {
        var m = S.keepAliveMachine()
        let head = S.post("abc")
        let (connect, connected) = S.connected(&m, head + "abcEXTRA", modifier1: 123)
        var expected = S.packet(head)
        expected.writeString("abcEXTRA")
        #expect(connect == .connect(firstBytes: expected))
        #expect(connected == .connected(write: nil, resumeClientReads: false))
        #expect(S.name(m.state) == "raw")
        #expect(m.request?.keepAlive == false)
    }

    @Test("body bytes that came with the head travel with the packet")
    func bodyWithHead() {
        var m = S.machine()
        let head = S.post("hello")
        _ = m.clientRead(S.buffer(head + "hel"), now: S.t0)
        var expected = S.packet(head)
        expected.writeString("hel")
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: expected))
        #expect(m.request?.bodyRemaining == 2)
    }

    @Test("a request after the first one does not re-arm a pending timer")
    func secondRequestDoesNotReArm() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.clientRead(S.buffer(S.get("/2")), now: S.t0 + .seconds(1)) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.requests == 2)
    }

    @Test("an early head-deadline fire re-arms it; at the deadline a partial head is answered 408")
    func earlyHeadDeadlineFire() {
        var m = S.machine()
        _ = m.clientRead(S.buffer("GET / HTTP/1.1\r\n"), now: S.t0)
        #expect(m.deadlineFired(now: S.t0 + .seconds(1)) == .armTimer(S.t0 + .seconds(10)))
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .answer(HTTPErrorResponse.requestTimeout, .headTimeout))
        #expect(m.state == .closed)
    }

    @Test("HTTP/1.0, Connection: close and keep-alive off each end keep-alive", arguments: [
        ("GET / HTTP/1.0\r\nHost: a\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", true),
        ("GET / HTTP/1.1\r\nHost: a\r\n\r\n", false),
    ])
    func keepAliveRequestRules(head: String, keepaliveOption: Bool) {
        var m = keepaliveOption ? S.keepAliveMachine() : S.machine()
        _ = m.clientRead(S.buffer(head), now: S.t0)
        #expect(m.request?.keepAlive == false)
    }

    @Test("a plain HTTP/1.1 request on a keep-alive listener keeps the connection")
    func keepAliveAllowed() {
        var m = S.keepAliveMachine()
        _ = m.clientRead(S.buffer(S.get()), now: S.t0)
        #expect(m.request?.keepAlive == true)
    }

    @Test("HEAD is recognised")
    func headMethod() {
        var m = S.keepAliveMachine()
        _ = m.clientRead(S.buffer("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n"), now: S.t0)
        #expect(m.request?.isHEAD == true)
    }

    @Test("the retry rule follows the method and the announced size", arguments: [
        ("GET", 0, true), ("HEAD", 0, true), ("PUT", 100, true), ("DELETE", 0, true), ("OPTIONS", 0, true),
        ("TRACE", 0, true), ("POST", 10, false), ("PATCH", 10, false), ("PUT", 70_000, false),
    ])
    func retryEligibility(method: String, length: Int, eligible: Bool) {
        var m = S.machine()
        _ = m.clientRead(S.buffer("\(method) / HTTP/1.1\r\nHost: a\r\nContent-Length: \(length)\r\n\r\n"), now: S.t0)
        #expect(m.request?.retry.isKeeping == eligible)
    }
}

@Suite("HTTP connection state machine: request bodies and raw relays")
struct HTTPConnectionStateMachineBodyTests {
    typealias S = HTTPMachineSupport

    @Test("connected without a body awaits the response")
    func connectedNoBody() {
        var m = S.machine()
        let (_, connected) = S.connected(&m, S.get())
        #expect(connected == .connected(write: nil, resumeClientReads: false))
        #expect(S.name(m.state) == "awaitingResponse")
    }

    @Test("connected with body due sends it as it comes, then awaits the response")
    func bodyStreams() {
        var m = S.machine()
        let (_, connected) = S.connected(&m, S.post("abcdef"))
        #expect(connected == .connected(write: nil, resumeClientReads: false))
        #expect(S.name(m.state) == "sendingBody")
        #expect(m.clientRead(S.buffer("abc"), now: S.t0) == .writeToNode(S.buffer("abc")))
        #expect(S.name(m.state) == "sendingBody")
        #expect(m.clientRead(S.buffer("def"), now: S.t0) == .writeToNode(S.buffer("def")))
        #expect(S.name(m.state) == "awaitingResponse")
        #expect(m.bytesToNode == UInt64(S.packet(S.post("abcdef")).readableBytes + 6))
    }

    @Test("a Content-Length body split at every byte reaches the node byte by byte")
    func bodySplitAtEveryByte() {
        let body = "0123456789abcdef"
        var m = S.machine()
        _ = S.connected(&m, S.post(body))
        var sent = ""
        for byte in body.utf8 {
            guard case .writeToNode(let slice) = m.clientRead(ByteBuffer(bytes: [byte]), now: S.t0) else {
                Issue.record("expected a write")
                return
            }
            sent += String(buffer: slice)
        }
        #expect(sent == body)
        #expect(S.name(m.state) == "awaitingResponse")
    }

    @Test("bytes beyond Content-Length are dropped and end keep-alive")
    func bytesBeyondBody() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.post("ab"))
        #expect(m.clientRead(S.buffer("abXYZ"), now: S.t0) == .writeToNode(S.buffer("ab")))
        #expect(m.request?.keepAlive == false)
    }

    @Test("body read while connecting is written on connect")
    func bodyWhileConnecting() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.post("abcdef")), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        #expect(m.clientRead(S.buffer("abcd"), now: S.t0) == .none)
        #expect(m.upstreamConnected(writable: true) == .connected(write: S.buffer("abcd"), resumeClientReads: false))
        #expect(S.name(m.state) == "sendingBody")
        #expect(m.clientRead(S.buffer("ef"), now: S.t0) == .writeToNode(S.buffer("ef")))
    }

    @Test("a body piling up while connecting pauses client reads; connect resumes them")
    func pendingBodyPauses() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.post(String(repeating: "x", count: 100_000))), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        #expect(m.clientRead(ByteBuffer(repeating: 0x78, count: 65_535), now: S.t0) == .none)
        #expect(m.clientRead(ByteBuffer(repeating: 0x78, count: 1), now: S.t0) == .pauseClientReads)
        #expect(m.clientRead(ByteBuffer(repeating: 0x78, count: 1), now: S.t0) == .none)
        #expect(m.isPausingClientReads)
        guard case .connected(let write, let resume) = m.upstreamConnected(writable: true) else {
            Issue.record("expected connected")
            return
        }
        #expect(write?.readableBytes == 65_537)
        #expect(resume)
        #expect(!m.isPausingClientReads)
    }

    @Test("a node connected but not writable leaves reads paused")
    func connectedNotWritable() {
        var m = S.machine()
        _ = m.clientRead(S.buffer(S.post(String(repeating: "x", count: 70_000))), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.clientRead(ByteBuffer(repeating: 0x78, count: 66_000), now: S.t0)
        guard case .connected(_, let resume) = m.upstreamConnected(writable: false) else {
            Issue.record("expected connected")
            return
        }
        #expect(!resume)
        #expect(m.upstreamWritabilityChanged(true) == .resumeClientReads)
    }

    @Test("a node that cannot take more pauses client reads; writable again resumes them")
    func nodeBackpressure() {
        var m = S.machine()
        _ = S.connected(&m, S.post("abcdef"))
        #expect(m.upstreamWritabilityChanged(false) == .pauseClientReads)
        #expect(m.upstreamWritabilityChanged(false) == .none)
        #expect(m.upstreamWritabilityChanged(true) == .resumeClientReads)
        #expect(m.upstreamWritabilityChanged(true) == .none)
    }

    @Test("a client that cannot take more pauses the node's reads", arguments: [true, false])
    func clientBackpressure(writable: Bool) {
        var m = S.machine()
        _ = S.connected(&m, S.get())
        #expect(m.clientWritabilityChanged(writable) == .setNodeReading(writable))
    }

    @Test("client writability means nothing without a node", arguments: ["idle", "routing", "connecting", "closed"])
    func clientWritabilityWithoutNode(state: String) {
        let m = S.machine(in: state)
        #expect(m.clientWritabilityChanged(false) == .none)
    }

    @Test("the client's read burst flushes the node only while connected", arguments: S.stateNames)
    func readCompleteFlushes(state: String) {
        let m = S.machine(in: state)
        let connected = ["sendingBody", "awaitingResponse", "raw"].contains(state)
        #expect(m.clientReadComplete() == (connected ? .flushNode : .none))
    }

    @Test("a WebSocket upgrade becomes a raw relay")
    func webSocketRaw() {
        var m = S.machine(in: "raw")
        #expect(m.request?.raw == true)
        #expect(m.request?.keepAlive == false)
        #expect(m.clientRead(S.buffer("frame"), now: S.t0) == .writeToNode(S.buffer("frame")))
        #expect(m.upstreamRead(S.buffer("HTTP/1.1 101 Switching\r\n\r\n")) == .writeToClient(.bytes(S.buffer("HTTP/1.1 101 Switching\r\n\r\n"))))
        #expect(m.upstreamRead(S.buffer("reply")) == .writeToClient(.bytes(S.buffer("reply"))))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
    }

    @Test("an upgrade without --http-websockets is a plain request")
    func webSocketWithoutOption() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, "GET /ws HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: x\r\nSec-WebSocket-Version: 13\r\n\r\n")
        #expect(S.name(m.state) == "awaitingResponse")
    }

    @Test("a chunked request body split at every byte is relayed raw, byte for byte")
    func chunkedRequestSplitAtEveryByte() {
        let head = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        let body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        var m = S.keepAliveMachine()
        _ = S.connected(&m, head)
        #expect(S.name(m.state) == "raw")
        #expect(m.request?.retry.isKeeping == false)
        var relayed = ""
        for byte in body.utf8 {
            guard case .writeToNode(let slice) = m.clientRead(ByteBuffer(bytes: [byte]), now: S.t0) else {
                Issue.record("expected a write")
                return
            }
            relayed += String(buffer: slice)
        }
        #expect(relayed == body)
    }

    @Test("a chunked request's first bytes travel with the packet")
    func chunkedWithHead() {
        let head = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        var m = S.machine()
        _ = m.clientRead(S.buffer(head + "5\r\nhel"), now: S.t0)
        var expected = S.packet(head)
        expected.writeString("5\r\nhel")
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: expected))
    }

    @Test("raw bytes read while connecting are written on connect")
    func rawWhileConnecting() {
        let head = "POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        var m = S.machine()
        _ = m.clientRead(S.buffer(head), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.clientRead(S.buffer("0\r\n\r\n"), now: S.t0)
        #expect(m.upstreamConnected(writable: true) == .connected(write: S.buffer("0\r\n\r\n"), resumeClientReads: false))
    }

    @Test("a raw relay pauses client reads when the node is full")
    func rawBackpressure() {
        var m = S.machine(in: "raw")
        #expect(m.upstreamWritabilityChanged(false) == .pauseClientReads)
    }

    @Test("node writability does not pause reads while awaiting the response")
    func awaitingIgnoresNodeFull() {
        var m = S.machine(in: "awaitingResponse")
        #expect(m.upstreamWritabilityChanged(false) == .none)
    }
}
