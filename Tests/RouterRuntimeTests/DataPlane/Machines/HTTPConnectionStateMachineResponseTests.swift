import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("HTTP connection state machine: responses and keep-alive")
struct HTTPConnectionStateMachineResponseTests {
    typealias S = HTTPMachineSupport

    @Test("without keep-alive the response passes through untouched and the close ends it")
    func passthroughNoKeepAlive() {
        var m = S.machine()
        _ = S.connected(&m, S.get())
        #expect(m.upstreamRead(S.buffer(S.okNoLength)) == .writeToClient(.bytes(S.buffer(S.okNoLength))))
        #expect(m.upstreamReadComplete() == .flushClient)
        #expect(m.bytesFromNode == UInt64(S.okNoLength.utf8.count))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
        #expect(m.state == .closed)
    }

    @Test("a Content-Length response keeps the connection and re-arms the head deadline")
    func contentLengthKeepsAlive() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        #expect(m.upstreamRead(S.buffer(S.okLength)) == .writeToClient(.bytes(S.buffer(S.okLength))))
        #expect(m.request?.response == .passthrough(remaining: 0))
        let ended = m.upstreamClosed(now: S.t0 + .seconds(1))
        // The head deadline of the start (t0+10) is still pending and earlier.
        #expect(ended == .responseEnded(tail: nil, then: .readNextRequest(armTimer: nil, resumeClientReads: false)))
        #expect(m.state == .idle)
    }

    @Test("after the first deadline fired, a keep-alive response arms the next head deadline")
    func keepAliveArmsHeadDeadline() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        _ = m.upstreamRead(S.buffer(S.okLength))
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .armTimer(S.t0 + .seconds(70)))
        let ended = m.upstreamClosed(now: S.t0 + .seconds(11))
        #expect(ended == .responseEnded(tail: nil, then: .readNextRequest(armTimer: S.t0 + .seconds(21), resumeClientReads: false)))
    }

    @Test("a response head split at every byte is relayed once complete")
    func responseHeadSplitAtEveryByte() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        let head = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n".utf8)
        for (i, byte) in head.enumerated() {
            let action = m.upstreamRead(ByteBuffer(bytes: [byte]))
            if i == head.count - 1 {
                #expect(action == .writeToClient(.bytes(ByteBuffer(bytes: head))))
            } else {
                #expect(action == .none, "byte \(i)")
            }
        }
        #expect(m.upstreamRead(S.buffer("o")) == .writeToClient(.bytes(S.buffer("o"))))
        #expect(m.request?.response == .passthrough(remaining: 1))
        #expect(m.upstreamRead(S.buffer("k")) == .writeToClient(.bytes(S.buffer("k"))))
        #expect(m.request?.response == .passthrough(remaining: 0))
    }

    @Test("a length-less response is chunked with auto-chunked")
    func autoChunked() {
        var m = S.keepAliveMachine { $0.autoChunked = true }
        _ = S.connected(&m, S.get())
        let expectedHead = HTTPConnectionStateMachine.ClientWrite.head(
            front: S.buffer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"), inserted: ChunkEncoder.chunkedHeader,
            blank: S.buffer("\r\n"), body: S.buffer("hello"), chunked: true
        )
        #expect(m.upstreamRead(S.buffer(S.okNoLength)) == .writeToClient(expectedHead))
        #expect(m.upstreamRead(S.buffer(" world")) == .writeToClient(.chunk(S.buffer(" world"))))
        #expect(m.upstreamRead(ByteBuffer()) == .none)
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: .bytes(ChunkEncoder.lastChunk), then: .readNextRequest(armTimer: nil, resumeClientReads: false)))
    }

    @Test("an auto-chunked body split at every byte becomes one chunk per byte")
    func autoChunkedSplitAtEveryByte() {
        var m = S.keepAliveMachine { $0.autoChunked = true }
        _ = S.connected(&m, S.get())
        _ = m.upstreamRead(S.buffer("HTTP/1.1 200 OK\r\n\r\n"))
        for byte in "streamed body".utf8 {
            #expect(m.upstreamRead(ByteBuffer(bytes: [byte])) == .writeToClient(.chunk(ByteBuffer(bytes: [byte]))))
        }
    }

    @Test("a length-less response without auto-chunked gets Connection: close and ends keep-alive")
    func closeHeaderInserted() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        let expectedHead = HTTPConnectionStateMachine.ClientWrite.head(
            front: S.buffer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"), inserted: ChunkEncoder.closeHeader,
            blank: S.buffer("\r\n"), body: S.buffer("hello"), chunked: false
        )
        #expect(m.upstreamRead(S.buffer(S.okNoLength)) == .writeToClient(expectedHead))
        #expect(m.request?.keepAlive == false)
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
    }

    @Test("a response with its own Connection header gets no inserted line")
    func ownConnectionHeader() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        let action = m.upstreamRead(S.buffer("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\nx"))
        #expect(action == .writeToClient(.head(
            front: S.buffer("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n"), inserted: ByteBuffer(),
            blank: S.buffer("\r\n"), body: S.buffer("x"), chunked: false
        )))
    }

    @Test("responses that end keep-alive", arguments: [
        "HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTrailers: x\r\nContent-Length: 0\r\n\r\n",
    ])
    func responsesEndingKeepAlive(response: String) {
        var m = S.keepAliveMachine { $0.autoChunked = true }
        _ = S.connected(&m, S.get())
        _ = m.upstreamRead(S.buffer(response))
        #expect(m.request?.keepAlive == false)
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
    }

    @Test("bodiless responses keep the connection", arguments: [
        ("GET", "HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", "HTTP/1.1 304 Not Modified\r\n\r\n"),
        ("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"),
        ("HEAD", "HTTP/1.1 200 OK\r\n\r\n"),
    ])
    func bodilessKeepsAlive(method: String, response: String) {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, "\(method) / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(m.upstreamRead(S.buffer(response)) == .writeToClient(.bytes(S.buffer(response))))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .readNextRequest(armTimer: nil, resumeClientReads: false)))
    }

    @Test("a 1xx head passes through and the final response follows untouched")
    func informationalResponse() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.post("ab"))
        _ = m.clientRead(S.buffer("ab"), now: S.t0)
        let continueHead = "HTTP/1.1 100 Continue\r\n\r\n"
        #expect(m.upstreamRead(S.buffer(continueHead)) == .writeToClient(.bytes(S.buffer(continueHead))))
        #expect(m.request?.response == .passthrough(remaining: nil))
        #expect(m.upstreamRead(S.buffer(S.okLength)) == .writeToClient(.bytes(S.buffer(S.okLength))))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .readNextRequest(armTimer: nil, resumeClientReads: false)))
    }

    @Test("a response head over the limit is relayed as is and ends keep-alive")
    func responseHeadTooLarge() {
        var m = S.keepAliveMachine { $0.maxHeadSize = 64 }
        _ = S.connected(&m, S.get())
        let head = "HTTP/1.1 200 OK\r\nX: " + String(repeating: "y", count: 70)
        #expect(m.upstreamRead(S.buffer(head)) == .writeToClient(.bytes(S.buffer(head))))
        #expect(m.request?.keepAlive == false)
        #expect(m.upstreamRead(S.buffer("\r\n\r\n")) == .writeToClient(.bytes(S.buffer("\r\n\r\n"))))
    }

    @Test("a node closing before any response byte is answered 502")
    func nodeClosesBeforeHead() {
        var m = S.machine()
        _ = S.connected(&m, S.post("ab", method: "POST"))
        _ = m.clientRead(S.buffer("ab"), now: S.t0)
        #expect(m.upstreamClosed(now: S.t0) == .answer(HTTPErrorResponse.badGateway, .nodeSilent))
        #expect(m.state == .closed)
    }

    @Test("a node closing during the response head hands over what came and closes")
    func nodeClosesDuringHead() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        _ = m.upstreamRead(S.buffer("HTTP/1.1 200 OK\r\nContent-"))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: .bytes(S.buffer("HTTP/1.1 200 OK\r\nContent-")), then: .close))
    }

    @Test("a node closing during a Content-Length body ends keep-alive")
    func nodeClosesDuringBody() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        _ = m.upstreamRead(S.buffer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))
        #expect(m.request?.response == .passthrough(remaining: 7))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
    }

    @Test("a node closing after the whole response keeps the connection")
    func nodeClosesAfterResponse() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get())
        _ = m.upstreamRead(S.buffer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n"))
        _ = m.upstreamRead(S.buffer("abc"))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .readNextRequest(armTimer: nil, resumeClientReads: false)))
    }

    @Test("a node answering while the body is still due ends the connection after the response")
    func nodeAnswersEarly() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.post("abcdef"))
        _ = m.upstreamRead(S.buffer("HTTP/1.1 413 Too Large\r\nContent-Length: 0\r\n\r\n"))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
    }

    @Test("the node's half-close closes its link")
    func nodeInputClosed() {
        let m = S.machine(in: "awaitingResponse")
        #expect(m.upstreamInputClosed() == .closeNode)
    }

    @Test("node bytes without a request in flight are ignored", arguments: ["idle", "idleAfterResponse", "routing", "connecting", "closed"])
    func strayNodeBytes(state: String) {
        var m = S.machine(in: state)
        #expect(m.upstreamRead(S.buffer("x")) == .none)
        #expect(m.upstreamClosed(now: S.t0) == .none)
    }
}

@Suite("HTTP connection state machine: pipelining")
struct HTTPConnectionStateMachinePipelineTests {
    typealias S = HTTPMachineSupport

    @Test("pipelined requests are held and served one after another")
    func pipelinedTwo() {
        var m = S.keepAliveMachine()
        let (connect, _) = S.connected(&m, S.get("/1") + S.get("/2"))
        #expect(connect == .connect(firstBytes: S.packet(S.get("/1"))))
        _ = m.upstreamRead(S.buffer(S.okLength))
        guard case .responseEnded(nil, .readNextRequest) = m.upstreamClosed(now: S.t0) else {
            Issue.record("expected keep-alive")
            return
        }
        #expect(m.nextRequest(now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: S.packet(S.get("/2"))))
        #expect(m.requests == 2)
    }

    @Test("three pipelined requests, the later ones arriving during the responses")
    func pipelinedThree() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get("/1"))
        #expect(m.clientRead(S.buffer(S.get("/2") + "GET /3 HTTP/1.1\r\n"), now: S.t0) == .none)
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.nextRequest(now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        #expect(m.clientRead(S.buffer("Host: app.local\r\n\r\n"), now: S.t0) == .none)
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.nextRequest(now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: S.packet(S.get("/3"))))
        #expect(m.requests == 3)
    }

    @Test("a pipelined request after a POST body is held")
    func pipelinedAfterBody() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.post("ab") + "ab" + S.get("/next"))
        #expect(S.name(m.state) == "awaitingResponse")
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.nextRequest(now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }

    @Test("nextRequest without held bytes waits")
    func nextRequestNothingHeld() {
        var m = S.machine(in: "idleAfterResponse")
        #expect(m.nextRequest(now: S.t0) == .none)
    }

    @Test("a malformed pipelined request is answered 400 after the first response")
    func pipelinedMalformed() {
        var m = S.keepAliveMachine()
        _ = S.connected(&m, S.get("/1") + "nonsense\r\n\r\n")
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        guard case .answer(_, .badRequest) = m.nextRequest(now: S.t0) else {
            Issue.record("expected a 400")
            return
        }
    }

    @Test("bytes after a non-keep-alive request are dropped")
    func noKeepAliveDropsHeld() {
        var m = S.machine()
        _ = S.connected(&m, S.get("/1"))
        #expect(m.clientRead(S.buffer(S.get("/2")), now: S.t0) == .none)
        _ = m.upstreamRead(S.buffer(S.okLength))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .close))
        #expect(m.nextRequest(now: S.t0) == .none)
    }

    @Test("held bytes beyond the head limit pause reads until the response ends")
    func heldBytesPause() {
        var m = S.keepAliveMachine { $0.maxHeadSize = 64 }
        _ = S.connected(&m, S.get("/1"))
        #expect(m.clientRead(S.buffer(String(repeating: "a", count: 60)), now: S.t0) == .none)
        #expect(m.clientRead(S.buffer(String(repeating: "a", count: 10)), now: S.t0) == .pauseClientReads)
        _ = m.upstreamRead(S.buffer(S.okLength))
        #expect(m.upstreamClosed(now: S.t0) == .responseEnded(tail: nil, then: .readNextRequest(armTimer: nil, resumeClientReads: true)))
        #expect(m.nextRequest(now: S.t0) == .answer(HTTPErrorResponse.headTooLarge, .headTooLarge(limit: 64)))
    }

    @Test("bytes held while connecting the request are the next head")
    func heldWhileConnecting() {
        var m = S.keepAliveMachine()
        _ = m.clientRead(S.buffer(S.get("/1")), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        #expect(m.clientRead(S.buffer(S.get("/2")), now: S.t0) == .none)
        _ = m.upstreamConnected(writable: true)
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        #expect(m.nextRequest(now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }
}
