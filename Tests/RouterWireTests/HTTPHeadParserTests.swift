import NIOCore
import RouterWire
import Testing

@Suite("HTTP head → uwsgi vars")
struct HTTPHeadParserTests {
    static let connection = try! HTTPConnectionVars(
        serverName: "router.host", serverPort: "8080", remoteAddress: "10.1.2.3", remotePort: "55123"
    )

    /// Parses `head` (CRLF line ends) and returns the result with the packet's vars as text pairs.
    static func parse(
        _ head: String,
        connection: HTTPConnectionVars = Self.connection,
        parser: HTTPHeadParser = HTTPHeadParser()
    ) throws -> (head: HTTPRequestHead, vars: [String], packet: UwsgiPacket)? {
        var parser = parser
        let input = ByteBuffer(string: head)
        var out = ByteBuffer()
        guard let result = try parser.parse(input, connection: connection, into: &out) else { return nil }
        let packet = try UwsgiPacket(decoding: out)
        return (result, packet.vars.stringPairs.map { "\($0.key)=\($0.value)" }, packet)
    }

    static let prefix = ["SCRIPT_NAME=", "SERVER_NAME=router.host", "SERVER_PORT=8080", "UWSGI_ROUTER=http",
                         "REMOTE_ADDR=10.1.2.3", "REMOTE_PORT=55123"]

    @Test func writesUwsgisVarsInUwsgisOrder() throws {
        let request = "GET /shop/a%20b?q=1&x=%41 HTTP/1.1\r\nHost: Example.com:8080\r\nUser-Agent: t/1\r\n"
            + "Accept-Encoding: gzip\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbody"
        let parsed = try #require(try Self.parse(request))
        #expect(parsed.vars == [
            "REQUEST_METHOD=GET", "PATH_INFO=/shop/a b", "REQUEST_URI=/shop/a%20b?q=1&x=%41", "QUERY_STRING=q=1&x=%41",
            "SERVER_PROTOCOL=HTTP/1.1",
        ] + Self.prefix + [
            "HTTP_HOST=Example.com:8080", "HTTP_USER_AGENT=t/1", "HTTP_ACCEPT_ENCODING=gzip",
            "CONTENT_TYPE=text/plain", "CONTENT_LENGTH=4",
        ])
        #expect(parsed.head.headLength == request.utf8.count - 4)
        #expect(parsed.head.contentLength == 4)
        #expect(parsed.head.hostString(in: ByteBuffer(string: request)) == "Example.com:8080")
        #expect(parsed.head.version == .http11)
        #expect(parsed.head.keepAliveAllowed)
        #expect(parsed.packet.header == UwsgiHeader(modifier1: 0, datasize: UInt16(parsed.packet.vars.block.readableBytes), modifier2: 0))
    }

    @Test func withoutAQueryRequestUriComesFirstAndQueryStringIsEmpty() throws {
        let parsed = try #require(try Self.parse("HEAD /a/%7Eb HTTP/1.0\r\n\r\n"))
        #expect(parsed.vars == ["REQUEST_METHOD=HEAD", "REQUEST_URI=/a/%7Eb", "PATH_INFO=/a/~b", "QUERY_STRING=",
                                "SERVER_PROTOCOL=HTTP/1.0"] + Self.prefix)
        #expect(parsed.head.host == nil)
        #expect(parsed.head.version == .http10)
        #expect(!parsed.head.keepAliveAllowed)
    }

    @Test(arguments: [
        ("/a%2fb", "/a/b"), ("/a%2Fb", "/a/b"), ("/%%41", "/%41"), ("/%zz", "/%zz"), ("/%4", "/%4"), ("/%", "/%"),
        ("/a%2", "/a%2"), ("/%C3%A9", "/é"), ("/x#frag", "/x#frag"), ("/../a", "/../a"), ("/%4g%41", "/%4gA"),
    ])
    func percentDecodesPathInfo(uri: String, pathInfo: String) throws {
        let parsed = try #require(try Self.parse("GET \(uri)?k HTTP/1.1\r\n\r\n"))
        #expect(parsed.packet.string(for: "PATH_INFO") == pathInfo)
        #expect(parsed.packet.string(for: "REQUEST_URI") == "\(uri)?k")
        #expect(parsed.packet.string(for: "QUERY_STRING") == "k")
    }

    @Test func onlyTheFirstQuestionMarkSplitsTheQuery() throws {
        let parsed = try #require(try Self.parse("GET /p?a=?b? HTTP/1.1\r\n\r\n"))
        #expect(parsed.packet.string(for: "PATH_INFO") == "/p")
        #expect(parsed.packet.string(for: "QUERY_STRING") == "a=?b?")
    }

    @Test func mergesDuplicateHeadersAtTheFirstPosition() throws {
        let parsed = try #require(try Self.parse(
            "GET / HTTP/1.1\r\nAccept: a\r\nX-Forwarded-For: 1.1.1.1\r\naccept:   b\r\nX_FORWARDED_FOR: 2.2.2.2\r\nAccept: \r\n\r\n"))
        #expect(Array(parsed.vars.dropFirst(11)) == ["HTTP_ACCEPT=a, b, ", "HTTP_X_FORWARDED_FOR=1.1.1.1, 2.2.2.2"])
    }

    @Test func keepsValueBytesAsSentExceptLeadingSpaces() throws {
        let parsed = try #require(try Self.parse("GET / HTTP/1.1\r\nX-A:\tv \r\nX-B:    \r\nX-C: a\r\n  folded\r\n\r\n"))
        #expect(parsed.packet.string(for: "HTTP_X_A") == "\tv ")
        #expect(parsed.packet.string(for: "HTTP_X_B") == "")
        #expect(parsed.packet.string(for: "HTTP_X_C") == "a\r\n  folded")
    }

    @Test func serverNameCanBeTheHostAndTlsAndExtraVarsAreAdded() throws {
        let connection = try HTTPConnectionVars(
            serverName: "ignored", serverPort: "443", remoteAddress: "::1", remotePort: "1", isHTTPS: true,
            tlsVars: [(key: "HTTPS_DN", value: Array("CN=x".utf8))], extraVars: [(key: "ENV", value: "prod")],
            serverNameAsHTTPHost: true
        )
        let parsed = try #require(try Self.parse("GET / HTTP/1.1\r\nAccept: */*\r\nHost: h\r\n\r\n", connection: connection))
        #expect(Array(parsed.vars.dropFirst(5)) == [
            "SCRIPT_NAME=", "SERVER_PORT=443", "UWSGI_ROUTER=http", "HTTPS=on", "HTTPS_DN=CN=x", "REMOTE_ADDR=::1",
            "REMOTE_PORT=1", "HTTP_ACCEPT=*/*", "SERVER_NAME=h", "HTTP_HOST=h", "ENV=prod",
        ])
    }

    @Test func reportsFramingAndConnectionFacts() throws {
        let chunked = try #require(try Self.parse("POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n")).head
        #expect(chunked.isChunked && chunked.hasTransferEncoding && !chunked.keepAliveAllowed && chunked.contentLength == nil)
        let close = try #require(try Self.parse("GET / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n")).head
        #expect(close.connectionClose && !close.keepAliveAllowed)
        let expect = try #require(try Self.parse("PUT / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n")).head
        #expect(expect.expectsContinue && expect.contentLength == 0)
    }

    @Test(arguments: [
        ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n", true),
        ("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: k\r\n", true),
        ("Connection: keep-alive, Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: k\r\n", true),
        ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n", false),
        ("Upgrade: websocket\r\nSec-WebSocket-Key: k\r\n", false),
        ("Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n", false),
    ])
    func detectsWebSocketsByUwsgisRule(headers: String, expected: Bool) throws {
        let head = try #require(try Self.parse("GET /ws HTTP/1.1\r\nHost: h\r\n\(headers)\r\n")).head
        #expect(head.isWebSocketUpgrade == expected)
        #expect(!head.keepAliveAllowed || !expected)
    }

    @Test func hostIsTheVerbatimKeyUpTo255Bytes() throws {
        let host255 = String(repeating: "h", count: 255)
        let request = "GET / HTTP/1.1\r\nhOsT: \(host255)\r\n\r\n"
        let parsed = try #require(try Self.parse(request))
        #expect(parsed.head.hostString(in: ByteBuffer(string: request)) == host255)
        #expect(throws: WireError.hostTooLong(length: 256, limit: 255)) {
            try Self.parse("GET / HTTP/1.1\r\nHost: \(host255)h\r\n\r\n")
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "more than one Host header"),
        ("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", "more than one Content-Length header"),
        ("GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", "Content-Length is not a decimal number"),
        ("GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "Content-Length is not a decimal number"),
        ("GET / HTTP/1.1\r\nContent-Length: 1 \r\n\r\n", "Content-Length is not a decimal number"),
        ("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", "empty Content-Length"),
        ("GET / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n", "Content-Length out of range"),
        ("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "both Content-Length and Transfer-Encoding are present"),
        ("GET / HTTP/1.1\r\nNoColon\r\n\r\n", "header line without a colon"),
        ("GET / HTTP/1.1\r\n: v\r\n\r\n", "header line with an empty name"),
        ("GET / HTTP/1.1\r\nHost : v\r\n\r\n", "invalid byte 32 in a header name"),
        ("GET / HTTP/1.1\r\n folded: v\r\n\r\n", "invalid byte 32 in a header name"),
        ("GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n", "bare LF in a header line"),
        ("GET / HTTP/1.1\r\nA: b\rC: d\r\n\r\n", "bare CR in a header line"),
        ("GET\r\n\r\n", "request line has no URI"),
        ("GET /\r\n\r\n", "request line has no protocol"),
        (" / HTTP/1.1\r\n\r\n", "request line has no method"),
        ("GET  HTTP/1.1\r\n\r\n", "request line has an empty URI"),
        ("GET / \r\n\r\n", "request line has an empty protocol"),
        ("GET / HTTP/1.1 x\r\n\r\n", "invalid byte 32 in the protocol"),
        ("GET / SPDY/3\r\nHost: a\r\n\r\n", "protocol is not HTTP/<major>.<minor>"),
        ("GET / RTSP/1.0\r\n\r\n", "protocol is not HTTP/<major>.<minor>"),
        ("GET / HTTP/1.10\r\n\r\n", "protocol is not HTTP/<major>.<minor>"),
        ("G(T / HTTP/1.1\r\n\r\n", "invalid byte 40 in the method"),
        ("GET /\u{7F} HTTP/1.1\r\n\r\n", "invalid byte 127 in the URI"),
    ])
    func malformedHeadsAreTypedErrors(request: String, reason: String) {
        #expect(throws: WireError.malformedHTTP(reason: reason)) { try Self.parse(request) }
    }

    @Test func incompleteHeadsWaitAndOversizeHeadsFail() throws {
        #expect(try Self.parse("GET / HTTP/1.1\r\nHost: a\r\n") == nil)
        #expect(try Self.parse("") == nil)
        let parser = HTTPHeadParser(maximumHeadSize: 64)
        let long = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 60)
        #expect(throws: WireError.headTooLarge(size: long.utf8.count, limit: 64)) { try Self.parse(long, parser: parser) }
        // A head ending exactly at the limit is accepted.
        let exact = "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 64 - 23) + "\r\n\r\n"
        #expect(exact.utf8.count == 64)
        #expect(try Self.parse(exact, parser: parser) != nil)
    }

    @Test func failedParsesLeaveTheOutputUntouchedAndTheInputUnconsumed() throws {
        var parser = HTTPHeadParser()
        var out = ByteBuffer(string: "keep")
        let input = ByteBuffer(string: "GET / HTTP/1.1\r\nHost: a\r\nBad\r\n\r\n")
        #expect(throws: WireError.self) { try parser.parse(input, connection: Self.connection, into: &out) }
        #expect(String(buffer: out) == "keep")
        #expect(input.readableBytes == 32)
    }

    @Test func rangesPointIntoTheInputAtItsReaderIndex() throws {
        var input = ByteBuffer(string: "junkPOST /x HTTP/1.1\r\nHost: k\r\n\r\nrest")
        input.moveReaderIndex(forwardBy: 4)
        var parser = HTTPHeadParser()
        var out = ByteBuffer()
        let head = try #require(try parser.parse(input, connection: Self.connection, into: &out))
        #expect(head.method(in: input).map { String(decoding: $0, as: UTF8.self) } == "POST")
        #expect(head.uri(in: input).map { String(decoding: $0, as: UTF8.self) } == "/x")
        #expect(head.hostString(in: input) == "k")
        #expect(input.getString(at: input.readerIndex + head.headLength, length: 4) == "rest")
        #expect(head.packetStart == 0 && head.packetLength == out.readableBytes)
    }

    @Test func varsOver65535BytesAreATypedErrorAndLeaveTheOutputUntouched() throws {
        let uri = "/" + String(repeating: "u", count: 30000)
        let request = "GET \(uri) HTTP/1.1\r\nX: \(String(repeating: "v", count: 6000))\r\n\r\n"
        var parser = HTTPHeadParser()
        var out = ByteBuffer(string: "keep")
        #expect(throws: WireError.packetTooLarge(size: 66227, limit: 65535)) {
            try parser.parse(ByteBuffer(string: request), connection: Self.connection, into: &out)
        }
        #expect(String(buffer: out) == "keep")
        // Just under the limit is accepted and decodes.
        let fits = "GET \(uri) HTTP/1.1\r\nX: \(String(repeating: "v", count: 5200))\r\nTrailers: t\r\n\r\n"
        let parsed = try #require(try Self.parse(fits))
        #expect(parsed.packet.vars.block.readableBytes <= 65535)
        #expect(parsed.packet.string(for: "HTTP_TRAILERS") == "t")
    }

    static let browserRequest = "GET /products/shoes?color=red&size=42 HTTP/1.1\r\nHost: shop.example.com\r\n"
        + "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0\r\n"
        + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n"
        + "Accept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br\r\n"
        + "Connection: keep-alive\r\nCookie: session=abc123; theme=dark\r\nUpgrade-Insecure-Requests: 1\r\n"
        + "Sec-Fetch-Dest: document\r\nSec-Fetch-Mode: navigate\r\n\r\n"

    @Test(arguments: Feeding.Split.standard)
    func anySplitGivesTheSamePacket(split: Feeding.Split) throws {
        let bytes = Array((Self.browserRequest + "BODY").utf8)
        var expectedOut = ByteBuffer()
        var parser = HTTPHeadParser()
        let expected = try #require(try parser.parse(ByteBuffer(bytes: bytes), connection: Self.connection, into: &expectedOut))

        // Searching from the start each time, and resuming where the last call stopped.
        var input = ByteBuffer()
        var out = ByteBuffer()
        var resumedOut = ByteBuffer()
        var searched = 0
        var result: HTTPRequestHead?
        var resumed: HTTPRequestHead?
        for chunk in Feeding.chunks(bytes, split) {
            input.writeBytes(chunk)
            if result == nil {
                result = try parser.parse(input, connection: Self.connection, into: &out)
                if result == nil { #expect(out.readableBytes == 0) }
            }
            if resumed == nil {
                resumed = try parser.parse(input, searched: searched, connection: Self.connection, into: &resumedOut)
                searched = input.readableBytes
            }
        }
        #expect(result == expected && resumed == expected)
        #expect(out == expectedOut && resumedOut == expectedOut)
    }

    @Test func fuzzedHeadsGiveValuesOrTypedErrors() async throws {
        let seeds = [
            Self.browserRequest,
            "POST /a%20b?x HTTP/1.0\r\nContent-Length: 5\r\nX: a\r\n b\r\nx: c\r\n\r\nhello",
            "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n",
        ].map { Array($0.utf8) }
        var parser = HTTPHeadParser(maximumHeadSize: 1024)
        var out = ByteBuffer()
        let counts = await Fuzzing.run(seed: 0x5EED_0003, seeds: seeds) { input in
            out.clear()
            guard let head = try parser.parse(ByteBuffer(bytes: input), connection: Self.connection, into: &out) else {
                return
            }
            // Whatever was accepted is a well-formed uwsgi packet that fits the head's accounting.
            let packet = try UwsgiPacket(decoding: out)
            if head.headLength > input.count || packet.vars.count < 11 { Issue.record("inconsistent result for \(input)") }
        }
        #expect(counts.values > 1000 && counts.errors > 1000)
    }
}

@Suite("HTTP head parser: the rarely used request rules")
struct HTTPHeadParserRulesTests {
    static let vars = try! HTTPConnectionVars(serverName: "s", serverPort: "80", remoteAddress: "127.0.0.1", remotePort: "1")

    static func parse(_ text: String, rtsp: Bool = false) throws -> (head: HTTPRequestHead, input: ByteBuffer) {
        var parser = HTTPHeadParser()
        parser.acceptsRTSP = rtsp
        var out = ByteBuffer()
        let input = ByteBuffer(string: text)
        let head = try #require(try parser.parse(input, connection: vars, into: &out))
        return (head, input)
    }

    @Test("RTSP/1.0 is accepted only when asked, and its rtsp:// host is found", arguments: [
        ("rtsp://cam.local/s", "cam.local"), ("rtsp://cam.local:554", "cam.local:554"), ("rtsp://a/b/c", "a"),
    ])
    func rtsp(uri: String, host: String) throws {
        let parsed = try Self.parse("DESCRIBE \(uri) RTSP/1.0\r\nCSeq: 1\r\n\r\n", rtsp: true)
        #expect(parsed.head.version == .rtsp)
        let range = try #require(parsed.head.rtspHost(in: parsed.input))
        #expect(parsed.input.getString(at: range.lowerBound, length: range.count) == host)
        #expect(throws: WireError.self) { _ = try Self.parse("DESCRIBE \(uri) RTSP/1.0\r\nCSeq: 1\r\n\r\n") }
    }

    @Test("a URI that is not rtsp:// has no RTSP host", arguments: ["*", "/s", "rtsp://", "http://a/"])
    func noRTSPHost(uri: String) throws {
        let parsed = try Self.parse("OPTIONS \(uri) RTSP/1.0\r\nCSeq: 1\r\n\r\n", rtsp: true)
        #expect(parsed.head.rtspHost(in: parsed.input) == nil)
    }

    @Test("Accept-Encoding mentioning gzip anywhere is noticed", arguments: [
        ("Accept-Encoding: gzip\r\n", true), ("accept-encoding: br, GZIP;q=0.5\r\n", true),
        ("Accept-Encoding: br\r\nAccept-Encoding: x-gzip\r\n", true), ("Accept-Encoding: br\r\n", false), ("", false),
    ])
    func acceptsGzip(headers: String, expected: Bool) throws {
        #expect(try Self.parse("GET / HTTP/1.1\r\n\(headers)\r\n").head.acceptsGzip == expected)
    }
}
