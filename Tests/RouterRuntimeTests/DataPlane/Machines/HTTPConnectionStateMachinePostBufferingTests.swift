import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("HTTP connection state machine: --http-post-buffering")
struct HTTPConnectionStateMachinePostBufferingTests {
    typealias S = HTTPMachineSupport
    typealias Machine = HTTPConnectionStateMachine

    static func buffering(_ limit: Int, _ edit: (inout Machine.Configuration) -> Void = { _ in }) -> Machine {
        S.machine {
            $0.postBuffering = limit
            edit(&$0)
        }
    }

    static func packetWithBody(_ head: String, _ body: String) -> ByteBuffer {
        var packet = S.packet(head)
        packet.writeString(body)
        return packet
    }

    /// A machine whose body of `body` bytes (limit `limit`) was spooled whole and routed.
    static func spooledAndRouted(limit: Int, body: Int, method: String = "POST") -> Machine {
        var m = buffering(limit)
        let bodyText = String(repeating: "x", count: body)
        _ = m.clientRead(S.buffer(S.post(bodyText, method: method)), now: S.t0)
        _ = m.clientRead(S.buffer(bodyText), now: S.t0)
        _ = m.bodySpooled()
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        return m
    }

    @Test("a head whose body is still due holds it instead of routing")
    func headWithoutBodyHolds() {
        var m = Self.buffering(64)
        #expect(m.clientRead(S.buffer(S.post("abcdef")), now: S.t0) == .holdBody(interim: nil, spool: nil, armTimer: nil))
        #expect(S.name(m.state) == "bufferingBody")
        #expect(m.clientRead(S.buffer("abc"), now: S.t0) == .none)
        #expect(S.name(m.state) == "bufferingBody")
    }

    @Test("the body's last byte routes, and the node gets the packet and the body in one write")
    func lastByteRoutes() {
        let head = S.post("abcdef")
        var m = Self.buffering(64)
        _ = m.clientRead(S.buffer(head), now: S.t0)
        #expect(m.clientRead(S.buffer("abcde"), now: S.t0) == .none)
        #expect(m.clientRead(S.buffer("f"), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: Self.packetWithBody(head, "abcdef")))
        #expect(m.upstreamConnected(writable: true) == .connected(write: nil, resumeClientReads: false))
        #expect(S.name(m.state) == "awaitingResponse")
        #expect(m.bytesToNode == UInt64(Self.packetWithBody(head, "abcdef").readableBytes))
    }

    @Test("a head and its whole body in one read route at once")
    func wholeRequestInOneRead() {
        let head = S.post("abc")
        var m = Self.buffering(64)
        #expect(m.clientRead(S.buffer(head + "abc"), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: Self.packetWithBody(head, "abc")))
    }

    @Test("the body split at every byte routes only on its last byte")
    func splitAtEveryByte() {
        var m = Self.buffering(64)
        _ = m.clientRead(S.buffer(S.post("0123456789")), now: S.t0)
        for (i, byte) in "0123456789".utf8.enumerated() {
            let action = m.clientRead(ByteBuffer(bytes: [byte]), now: S.t0)
            if i == 9 {
                #expect(action == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
            } else {
                #expect(action == .none, "byte \(i)")
            }
        }
    }

    @Test("a body over the limit goes to the spool: what was held first, then each read")
    func overLimitSpools() {
        var m = Self.buffering(4)
        _ = m.clientRead(S.buffer(S.post("abcdefghij") + "abc"), now: S.t0)
        #expect(m.clientRead(S.buffer("de"), now: S.t0) == .holdBody(interim: nil, spool: S.buffer("abcde"), armTimer: nil))
        #expect(m.bodySpooled() == .none)
        #expect(m.postBuffer?.memory.readableBytes == 0)
        #expect(m.clientRead(S.buffer("fghij"), now: S.t0) == .holdBody(interim: nil, spool: S.buffer("fghij"), armTimer: nil))
        #expect(m.bodySpooled() == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }

    @Test("memory never holds more than the limit, whatever the read sizes", arguments: [1, 3, 7, 64])
    func memoryBounded(readSize: Int) {
        let body = String(repeating: "z", count: 200)
        var m = Self.buffering(16)
        _ = m.clientRead(S.buffer(S.post(body)), now: S.t0)
        var spooled = 0
        var offset = 0
        let bytes = Array(body.utf8)
        while offset < bytes.count {
            let end = min(offset + readSize, bytes.count)
            let action = m.clientRead(ByteBuffer(bytes: bytes[offset..<end]), now: S.t0)
            if case .holdBody(_, let spool?, _) = action {
                spooled += spool.readableBytes
                _ = m.bodySpooled()
            }
            #expect((m.postBuffer?.memory.readableBytes ?? 0) <= 16)
            offset = end
        }
        #expect(spooled == 200)
        #expect(S.name(m.state) == "routing")
    }

    @Test("a spooled request connects with the packet alone, then the spool goes in chunks")
    func spooledSendsInChunks() {
        let body = 200_000
        var m = Self.spooledAndRouted(limit: 10, body: body)
        #expect(m.upstreamConnected(writable: true) == .sendSpooled(offset: 0, length: 65536))
        #expect(S.name(m.state) == "awaitingResponse")
        #expect(m.spooledChunkSent(writable: true) == .sendSpooled(offset: 65536, length: 65536))
        // The link filled up: flush and wait for it.
        #expect(m.spooledChunkSent(writable: false) == .flushNode)
        #expect(m.upstreamWritabilityChanged(true) == .sendSpooled(offset: 131_072, length: 65536))
        #expect(m.spooledChunkSent(writable: true) == .sendSpooled(offset: 196_608, length: 3392))
        #expect(m.isSendingSpool)
        #expect(m.spooledChunkSent(writable: true) == .flushNode)
        #expect(!m.isSendingSpool)
        #expect(m.upstreamWritabilityChanged(true) == .none)
    }

    @Test("a node link not writable at connect waits before the first chunk")
    func connectNotWritable() {
        var m = Self.spooledAndRouted(limit: 4, body: 10)
        #expect(m.upstreamConnected(writable: false) == .connected(write: nil, resumeClientReads: false))
        #expect(m.upstreamWritabilityChanged(true) == .sendSpooled(offset: 0, length: 10))
        #expect(m.spooledChunkSent(writable: true) == .flushNode)
    }

    @Test("a spool that cannot be written is answered 502")
    func spoolWriteFails() {
        var m = Self.buffering(4)
        _ = m.clientRead(S.buffer(S.post("abcdefghij")), now: S.t0)
        _ = m.clientRead(S.buffer("abcdefghij"), now: S.t0)
        #expect(m.spoolFailed("no dir") == .answer(HTTPErrorResponse.badGateway, .spoolFailed("no dir")))
        #expect(m.state == .closed)
        #expect(m.spoolFailed("again") == .none)
    }

    @Test("a spool read that fails after the node answered closes without a 502")
    func spoolReadFailsAfterAnswer() {
        var m = Self.spooledAndRouted(limit: 4, body: 100_000)
        _ = m.upstreamConnected(writable: true)
        _ = m.upstreamRead(S.buffer("HTTP/1.1 413 Too Large\r\n"))
        #expect(m.spoolFailed("EIO") == .close(.spoolFailed("EIO")))
    }

    @Test("the body phase re-arms after activity and answers 408 when the client went quiet")
    func bodyDeadline() {
        var m = Self.buffering(64)
        _ = m.clientRead(S.buffer(S.post("abcdef")), now: S.t0)
        // The head deadline fires first: reads happened, so one more timeout.
        #expect(m.deadlineFired(now: S.t0 + .seconds(10)) == .armTimer(S.t0 + .seconds(70)))
        #expect(m.deadlineFired(now: S.t0 + .seconds(70)) == .answer(HTTPErrorResponse.requestTimeout, .bodyTimeout))
        #expect(m.state == .closed)
    }

    @Test("with --http-manage-expect, 100 Continue is written before the body is read")
    func expectContinue() {
        var m = Self.buffering(64) { $0.manageExpect = .answer }
        let head = "POST /p HTTP/1.1\r\nHost: app.local\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"
        #expect(m.clientRead(S.buffer(head), now: S.t0) == .holdBody(interim: Machine.continueResponse, spool: nil, armTimer: nil))
        #expect(m.clientRead(S.buffer("abc"), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }

    @Test("without the option a body streams: the head routes at once")
    func offStreams() {
        var m = S.machine()
        #expect(m.clientRead(S.buffer(S.post("abcdef")), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }

    @Test("a chunked request is relayed raw, not buffered")
    func chunkedIsRaw() {
        var m = Self.buffering(64)
        let head = "POST /p HTTP/1.1\r\nHost: app.local\r\nTransfer-Encoding: chunked\r\n\r\n"
        #expect(m.clientRead(S.buffer(head), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.request?.raw == true)
    }

    @Test("a body held in memory is still retried on the next node; a spooled one is not")
    func retry() {
        var held = Self.buffering(64)
        _ = held.clientRead(S.buffer(S.post("abc", method: "PUT") + "abc"), now: S.t0)
        _ = held.routed(.node(modifier1: 0, modifier2: 0))
        _ = held.upstreamConnected(writable: true)
        #expect(held.upstreamClosed(now: S.t0) == .retryOnNextNode(.closedBeforeResponse))
        #expect(held.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: Self.packetWithBody(S.post("abc", method: "PUT"), "abc")))

        var spooled = Self.spooledAndRouted(limit: 2, body: 10, method: "PUT")
        _ = spooled.upstreamConnected(writable: true)
        _ = spooled.spooledChunkSent(writable: true)
        #expect(spooled.upstreamClosed(now: S.t0) == .answer(HTTPErrorResponse.badGateway, .nodeSilent))
    }

    @Test("a failed connect goes to the next node with the spool still to send from its start")
    func connectFailedKeepsSpool() {
        var m = Self.spooledAndRouted(limit: 2, body: 10)
        #expect(m.upstreamConnectFailed() == .retryOnNextNode(.connectFailed))
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        #expect(m.upstreamConnected(writable: true) == .sendSpooled(offset: 0, length: 10))
    }

    @Test("the client leaving mid-body ends the connection without a node")
    func clientLeaves() {
        var m = Self.buffering(4)
        _ = m.clientRead(S.buffer(S.post("abcdefghij") + "abcdef"), now: S.t0)
        #expect(m.clientClosed() == .none)
        #expect(m.state == .closed)
        #expect(m.postBuffer == nil)
    }

    @Test("a stop while the body is read lets the request finish without keep-alive")
    func stopWhileBuffering() {
        var m = S.keepAliveMachine { $0.postBuffering = 64 }
        _ = m.clientRead(S.buffer(S.post("abc")), now: S.t0)
        #expect(m.stopRequested() == .none)
        #expect(m.request?.keepAlive == false)
        #expect(m.clientRead(S.buffer("abc"), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }

    @Test("bytes past the body in the same read are kept as the next request")
    func pipelinedBytesKept() {
        var m = S.keepAliveMachine { $0.postBuffering = 64 }
        _ = m.clientRead(S.buffer(S.post("abc")), now: S.t0)
        _ = m.clientRead(S.buffer("abc" + S.get("/next")), now: S.t0)
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        _ = m.upstreamRead(S.buffer(S.okLength))
        guard case .responseEnded(_, .readNextRequest) = m.upstreamClosed(now: S.t0) else {
            Issue.record("the response should end with the next request read")
            return
        }
        #expect(m.nextRequest(now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }
}

@Suite("PostBuffer and SpoolSend")
struct PostBufferTests {
    @Test("bytes past the body stay with the caller")
    func pastTheBody() {
        var buffer = PostBuffer(limit: 8, length: 3)
        var bytes = ByteBuffer(string: "abcdef")
        #expect(buffer.take(from: &bytes) == nil)
        #expect(buffer.isComplete && !buffer.isSpooled)
        #expect(String(buffer: bytes) == "def")
        #expect(String(buffer: buffer.takeMemory()) == "abc")
    }

    @Test("a body of exactly the limit stays in memory; one byte more spools all of it")
    func limitEdge() {
        var exact = PostBuffer(limit: 4, length: 4)
        var four = ByteBuffer(string: "abcd")
        #expect(exact.take(from: &four) == nil)
        var over = PostBuffer(limit: 4, length: 5)
        var first = ByteBuffer(string: "abcd")
        var last = ByteBuffer(string: "e")
        #expect(over.take(from: &first) == nil)
        #expect(over.take(from: &last) == ByteBuffer(string: "abcde"))
        #expect(over.spooled == 5 && over.isComplete)
    }

    @Test("chunks cover the spool exactly", arguments: [1, 65535, 65536, 65537, 300_000])
    func chunks(length: Int) {
        var send = SpoolSend(length: length)
        var covered = 0
        var rounds = 0
        while !send.isDone, rounds < 100 {
            #expect(send.next.offset == covered)
            #expect(send.next.length > 0 && send.next.length <= SpoolSend.chunkSize)
            covered += send.next.length
            send.sent()
            rounds += 1
        }
        #expect(covered == length)
    }
}
