import NIOCore
import RouterWire
import Testing

@Suite("HTTP response head scan (keep-alive rules)")
struct HTTPResponseHeadTests {
    static func scan(_ text: String) -> HTTPResponseHead? {
        HTTPResponseHead.scan(ByteBuffer(string: text))
    }

    @Test func readsStatusCloseTrailersAndTheHeadLength() throws {
        let text = "HTTP/1.1 204 No Content\r\nConnection: close\r\nTrailers: x\r\n\r\nrest"
        let head = try #require(Self.scan(text))
        #expect(head.isHTTP11 && head.status == 204 && head.isBodiless)
        #expect(head.hasConnection && head.connectionClose && head.hasTrailers)
        #expect(!head.hasTransferEncoding && head.contentLength == nil)
        #expect(head.headLength == text.utf8.count - 4)
    }

    @Test func waitsForTheBlankLine() {
        #expect(Self.scan("HTTP/1.1 200 OK\r\nContent-Len") == nil)
        #expect(Self.scan("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n") == nil)
        #expect(Self.scan("") == nil)
    }

    @Test(arguments: [
        ("Content-Length: 12\r\n", 12),
        ("content-length:  7 \r\n", 7),
        ("Content-Length: 3\r\nContent-Length: 3\r\n", 3),
        ("Content-Length: 3\r\nContent-Length: 4\r\n", nil),
        ("Content-Length: 3\r\nContent-Length: x\r\n", nil),
        ("Content-Length: -1\r\n", nil),
        ("Content-Length: 1234567890123456789\r\n", nil),
        ("X-Content-Length: 5\r\n", nil),
    ] as [(String, Int?)])
    func contentLengthIsPlainDigitsAndUnambiguous(headers: String, expected: Int?) throws {
        let head = try #require(Self.scan("HTTP/1.1 200 OK\r\n\(headers)\r\n"))
        #expect(head.contentLength == expected)
    }

    @Test func connectionIsATokenList() throws {
        let listed = try #require(Self.scan("HTTP/1.1 200 OK\r\nConnection: keep-alive, Close\r\n\r\n"))
        #expect(listed.hasConnection && listed.connectionClose)
        let prefix = try #require(Self.scan("HTTP/1.1 200 OK\r\nConnection: closed\r\n\r\n"))
        #expect(prefix.hasConnection && !prefix.connectionClose)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK", true, 200), ("HTTP/1.1 304", true, 304), ("HTTP/1.0 200 OK", false, 200),
        ("http/1.1 200 OK", false, 200), ("HTTP/1.1 2x0 OK", true, 0), ("HTTP/1.1 200OK", true, 0), ("junk", false, 0),
    ])
    func readsTheStatusLine(line: String, isHTTP11: Bool, status: Int) throws {
        let head = try #require(Self.scan("\(line)\r\nTransfer-Encoding: chunked\r\n\r\n"))
        #expect(head.isHTTP11 == isHTTP11)
        #expect(head.status == status)
        #expect(head.hasTransferEncoding)
    }

    @Test func linesItDoesNotUnderstandAreSkipped() throws {
        let head = try #require(Self.scan("HTTP/1.1 200 OK\r\nno colon\r\n: empty\r\nX: a\nContent-Length: 5\r\n\r\n"))
        #expect(head.contentLength == 5)
    }

    @Test(arguments: Feeding.Split.standard)
    func anySplitGivesTheSameResultOnceComplete(split: Feeding.Split) throws {
        let text = "HTTP/1.1 200 OK\r\nServer: n\r\nContent-Length: 4\r\nConnection: keep-alive\r\n\r\nbody"
        let expected = try #require(Self.scan(text))
        var input = ByteBuffer()
        var result: HTTPResponseHead?
        for chunk in Feeding.chunks(Array(text.utf8), split) {
            input.writeBytes(chunk)
            let scanned = HTTPResponseHead.scan(input)
            if input.readableBytes < expected.headLength { #expect(scanned == nil) }
            if result == nil { result = scanned }
        }
        #expect(result == expected)
        #expect(expected.contentLength == 4 && !expected.connectionClose)
    }
}

@Suite("HTTP response head: auto-gzip facts")
struct HTTPResponseHeadGzipTests {
    @Test("uWSGI-Encoding: gzip and Content-Encoding are noticed", arguments: [
        ("uWSGI-Encoding: gzip\r\n", true, false), ("UWSGI-ENCODING: GZIP\r\n", true, false),
        ("uWSGI-Encoding: br\r\n", false, false), ("Content-Encoding: gzip\r\n", false, true),
    ])
    func gzipFacts(headers: String, wantsGzip: Bool, hasContentEncoding: Bool) throws {
        let head = try #require(HTTPResponseHead.scan(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\(headers)\r\n")))
        #expect(head.wantsGzip == wantsGzip)
        #expect(head.hasContentEncoding == hasContentEncoding)
    }
}
