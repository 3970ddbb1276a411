import NIOCore
import RouterWire
import Testing
@testable import RouterRuntime

@Suite("HTTP connection state machine: PROXY v1 and stud preambles")
struct HTTPConnectionStateMachinePreambleTests {
    typealias S = HTTPMachineSupport
    typealias Machine = HTTPConnectionStateMachine

    static func machine(_ preamble: Machine.Preamble) -> Machine {
        var m = Machine(configuration: S.configuration(), connectionVars: S.vars)
        m.preamble = preamble
        _ = m.start(now: S.t0)
        return m
    }

    /// The packet a head makes with the client address replaced.
    static func packet(_ head: String, address: String, port: String, https: Bool = false) throws -> ByteBuffer {
        var parser = HTTPHeadParser()
        var out = ByteBuffer()
        let vars = try S.vars.replacingRemote(address: address, port: port, addingHTTPS: https)
        _ = try parser.parse(S.buffer(head), connection: vars, into: &out)
        return out
    }

    static let proxyLine = "PROXY TCP4 203.0.113.7 10.0.0.1 5555 80\r\n"

    @Test("a PROXY line from a trusted peer gives REMOTE_ADDR and REMOTE_PORT")
    func proxyLineSetsRemote() throws {
        var m = Self.machine(.proxy)
        #expect(m.clientRead(S.buffer(Self.proxyLine + S.get()), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        let expected = try Self.packet(S.get(), address: "203.0.113.7", port: "5555")
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: expected))
        #expect(m.announcedClient?.address == "203.0.113.7")
        #expect(m.preamble == .none)
    }

    @Test("a PROXY TCP6 line is taken as well")
    func proxyLineIPv6() throws {
        var m = Self.machine(.proxy)
        _ = m.clientRead(S.buffer("PROXY TCP6 2001:db8::7 2001:db8::1 61000 443\r\n" + S.get()), now: S.t0)
        let expected = try Self.packet(S.get(), address: "2001:db8::7", port: "61000")
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: expected))
    }

    @Test("a PROXY line and head split at every byte route once, at the last byte")
    func proxyLineSplit() {
        let bytes = Array((Self.proxyLine + S.get()).utf8)
        var m = Self.machine(.proxy)
        for (i, byte) in bytes.enumerated() {
            let action = m.clientRead(ByteBuffer(bytes: [byte]), now: S.t0)
            if i == bytes.count - 1 {
                #expect(action == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
            } else {
                #expect(action == .none, "byte \(i)")
            }
        }
    }

    @Test("a trusted peer may send a plain request without a PROXY line")
    func trustedPeerPlainRequest() {
        var m = Self.machine(.proxy)
        #expect(m.clientRead(S.buffer(S.get()), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: S.packet(S.get())))
    }

    @Test("PROXY UNKNOWN keeps the connection's own address")
    func proxyUnknown() {
        var m = Self.machine(.proxy)
        _ = m.clientRead(S.buffer("PROXY UNKNOWN\r\n" + S.get()), now: S.t0)
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: S.packet(S.get())))
        #expect(m.announcedClient == nil)
    }

    @Test("a malformed PROXY line is answered 400 and closes", arguments: [
        "PROXY TCP4 999.1.1.1 10.0.0.1 1 2\r\n", "PROXY TCP5 1.2.3.4 10.0.0.1 1 2\r\n", "PROXY TCP4 1.2.3.4 10.0.0.1 70000 2\r\n",
        "PROXY " + String(repeating: "x", count: 120),
    ])
    func malformedProxyLine(line: String) {
        var m = Self.machine(.proxy)
        guard case .answer(let response, .badPreamble) = m.clientRead(S.buffer(line), now: S.t0) else {
            Issue.record("expected a 400 for \(line)")
            return
        }
        #expect(response == HTTPErrorResponse.badRequest)
        #expect(m.state == .closed)
    }

    @Test("an untrusted peer's PROXY line is not believed: it is not HTTP, so 400")
    func untrustedProxyLine() {
        var m = Self.machine(.none)
        guard case .answer(_, .badRequest) = m.clientRead(S.buffer(Self.proxyLine + S.get()), now: S.t0) else {
            Issue.record("expected a 400")
            return
        }
        #expect(m.state == .closed)
    }

    @Test("only the first request of a connection may carry the preamble")
    func preambleOnlyFirst() {
        var m = Machine(configuration: S.configuration { $0.keepalive = true }, connectionVars: S.vars)
        m.preamble = .proxy
        _ = m.start(now: S.t0)
        _ = S.connected(&m, Self.proxyLine + S.get())
        _ = m.upstreamRead(S.buffer(S.okLength))
        _ = m.upstreamClosed(now: S.t0)
        guard case .answer(_, .badRequest) = m.clientRead(S.buffer(Self.proxyLine + S.get()), now: S.t0) else {
            Issue.record("a second PROXY line must be refused")
            return
        }
    }

    @Test("a stud prefix gives REMOTE_ADDR, keeps the port and adds HTTPS=on")
    func studPrefix() throws {
        var m = Self.machine(.stud(remotePort: "40000"))
        var bytes = ByteBuffer(bytes: [2, 198, 51, 100, 9])
        bytes.writeString(S.get())
        #expect(m.clientRead(bytes, now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
        let expected = try Self.packet(S.get(), address: "198.51.100.9", port: "40000", https: true)
        #expect(m.routed(.node(modifier1: 0, modifier2: 0)) == .connect(firstBytes: expected))
    }

    @Test("a partial stud prefix waits")
    func studPrefixPartial() {
        var m = Self.machine(.stud(remotePort: "1"))
        #expect(m.clientRead(ByteBuffer(bytes: [2, 198, 51]), now: S.t0) == .none)
        #expect(m.state == .idle)
    }

    @Test("a stud prefix of another family is answered 400")
    func studPrefixWrongFamily() {
        var m = Self.machine(.stud(remotePort: "1"))
        var bytes = ByteBuffer(bytes: [10, 1, 2, 3, 4])
        bytes.writeString(S.get())
        guard case .answer(_, .badPreamble) = m.clientRead(bytes, now: S.t0) else {
            Issue.record("expected a 400")
            return
        }
        #expect(m.state == .closed)
    }
}

@Suite("HTTP connection state machine: raw rules, Expect and auto-gzip")
struct HTTPConnectionStateMachineOptionsTests {
    typealias S = HTTPMachineSupport

    @Test("--http-raw-body relays every request raw, without keep-alive")
    func rawBody() {
        var m = S.keepAliveMachine { $0.rawBody = true }
        _ = S.connected(&m, S.post("abc") + "abcEXTRA")
        guard case .raw(let r) = m.state else {
            Issue.record("expected raw, got \(m.state)")
            return
        }
        #expect(!r.keepAlive)
        #expect(m.clientRead(S.buffer("more"), now: S.t0) == .writeToNode(S.buffer("more")))
    }

    @Test("--http-manage-source relays SOURCE raw and nothing else", arguments: [("SOURCE", true), ("PUT", false)])
    func manageSource(method: String, raw: Bool) {
        var m = S.machine { $0.manageSource = true }
        _ = S.connected(&m, S.post("ab", method: method))
        #expect((S.name(m.state) == "raw") == raw, "\(m.state)")
    }

    @Test("--http-manage-rtsp keys RTSP/1.0 by the rtsp:// host and relays it raw")
    func manageRTSP() {
        var m = S.machine { $0.manageRTSP = true }
        let head = "DESCRIBE rtsp://cam.local:554/stream RTSP/1.0\r\nCSeq: 1\r\nHost: other\r\n\r\n"
        #expect(m.clientRead(S.buffer(head), now: S.t0) == .route(key: S.buffer("cam.local:554"), armTimer: nil, interim: nil))
        _ = m.routed(.node(modifier1: 0, modifier2: 0))
        _ = m.upstreamConnected(writable: true)
        #expect(S.name(m.state) == "raw")
    }

    @Test("without --http-manage-rtsp an RTSP request is answered 400")
    func rtspRefusedByDefault() {
        var m = S.machine()
        guard case .answer(_, .badRequest) = m.clientRead(S.buffer("OPTIONS rtsp://cam.local/ RTSP/1.0\r\nCSeq: 1\r\n\r\n"), now: S.t0) else {
            Issue.record("expected a 400")
            return
        }
    }

    static let expectPost = "POST /p HTTP/1.1\r\nHost: app.local\r\nContent-Length: 100\r\nExpect: 100-continue\r\n\r\n"

    @Test("--http-manage-expect answers 100 Continue before routing", arguments: [
        (HTTPConnectionStateMachine.ExpectHandling.answer, true), (.limit(100), true), (.off, false),
    ])
    func manageExpect(handling: HTTPConnectionStateMachine.ExpectHandling, interim: Bool) {
        var m = S.machine { $0.manageExpect = handling }
        let expected = interim ? HTTPConnectionStateMachine.continueResponse : nil
        #expect(m.clientRead(S.buffer(Self.expectPost), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: expected))
    }

    @Test("--http-manage-expect N answers 413 and closes above N bytes")
    func manageExpectLimit() {
        var m = S.machine { $0.manageExpect = .limit(99) }
        #expect(m.clientRead(S.buffer(Self.expectPost), now: S.t0) == .answer(HTTPConnectionStateMachine.expectTooLarge, .expectTooLarge(limit: 99)))
        #expect(m.state == .closed)
    }

    @Test("a request without Expect gets no 100 Continue")
    func noExpectNoInterim() {
        var m = S.machine { $0.manageExpect = .answer }
        #expect(m.clientRead(S.buffer(S.get()), now: S.t0) == .route(key: S.buffer("app.local"), armTimer: nil, interim: nil))
    }

    static let gzipGet = S.get(extra: "Accept-Encoding: deflate, gzip\r\n")
    static let gzipResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nuWSGI-Encoding: gzip\r\n\r\n"

    /// Drives a gzip response: returns the compressed stream (chunk payloads concatenated) and
    /// whether each step did what gzip needs.
    static func gzipped(_ parts: [String], keepalive: Bool = false) -> (stream: [UInt8], headInserted: Bool, ended: Bool) {
        var m = keepalive ? S.keepAliveMachine { $0.autoGzip = true } : S.machine { $0.autoGzip = true }
        _ = S.connected(&m, gzipGet)
        var stream: [UInt8] = []
        var headInserted = false
        let first = m.upstreamRead(S.buffer(gzipResponse + (parts.first ?? "")))
        if case .writeToClient(.head(_, let inserted, _, let body, true)) = first {
            headInserted = inserted == HTTPConnectionStateMachine.gzipHeaders
            stream += Array(body.readableBytesView)
        }
        for part in parts.dropFirst() {
            if case .writeToClient(.chunk(let bytes)) = m.upstreamRead(S.buffer(part)) { stream += Array(bytes.readableBytesView) }
        }
        var ended = false
        if case .responseEnded(.bytes(var tail), _) = m.upstreamClosed(now: S.t0) {
            // The tail is chunk-framed: size line, data, CRLF, then the last chunk.
            while let line = tail.readCRLFLine(), let size = Int(line, radix: 16) {
                if size == 0 {
                    ended = true
                    break
                }
                stream += tail.readBytes(length: size) ?? []
                _ = tail.readCRLFLine()
            }
        }
        return (stream, headInserted, ended)
    }

    @Test("--http-auto-gzip gzips a length-less response marked uWSGI-Encoding: gzip", arguments: [
        ["hello ", "gzip ", "world"], [""], [String(repeating: "abcdefgh", count: 20000)],
    ])
    func autoGzip(parts: [String]) throws {
        let result = Self.gzipped(parts)
        #expect(result.headInserted)
        #expect(result.ended)
        #expect(Array(result.stream.prefix(2)) == [0x1f, 0x8b])
        #expect(try Gunzip.decode(result.stream) == Array(parts.joined().utf8))
    }

    @Test("a gzipped response under keep-alive keeps the connection")
    func autoGzipKeepAlive() throws {
        var m = S.keepAliveMachine { $0.autoGzip = true }
        _ = S.connected(&m, Self.gzipGet)
        _ = m.upstreamRead(S.buffer(Self.gzipResponse + "x"))
        guard case .responseEnded(_, .readNextRequest) = m.upstreamClosed(now: S.t0) else {
            Issue.record("expected the connection kept")
            return
        }
    }

    @Test("no gzip when the client does not accept it, or the response has a length or encoding", arguments: [
        (S.get(), gzipResponse),
        (gzipGet, "HTTP/1.1 200 OK\r\nuWSGI-Encoding: gzip\r\nContent-Length: 1\r\n\r\n"),
        (gzipGet, "HTTP/1.1 200 OK\r\nuWSGI-Encoding: gzip\r\nContent-Encoding: br\r\n\r\n"),
        (gzipGet, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"),
        (gzipGet, "HTTP/1.0 200 OK\r\nuWSGI-Encoding: gzip\r\n\r\n"),
    ])
    func noGzip(request: String, response: String) {
        var m = S.machine { $0.autoGzip = true }
        _ = S.connected(&m, request)
        #expect(m.upstreamRead(S.buffer(response + "x")) == .writeToClient(.bytes(S.buffer(response + "x"))))
    }
}
