import NIOCore
import Testing
@testable import RouterRuntime

@Suite("Wire shims: request head → uwsgi vars, response head scan, fastrouter key")
struct WireShimsTests {
    static func vars(_ head: String) throws -> ([(String, String)], HTTPRequestInfo) {
        var packet = ByteBuffer()
        var fixed = ByteBuffer()
        WireShims.writeVar(&fixed, key: "SCRIPT_NAME", string: "")
        let bytes = Array(head.utf8)
        let info = try bytes.withUnsafeBytes { p in
            try WireShims.writeRequestVars(head: p, fixedVars: fixed, into: &packet)
        }
        var out: [(String, String)] = []
        while let kl = packet.readInteger(endianness: .little, as: UInt16.self), let k = packet.readString(length: Int(kl)),
            let vl = packet.readInteger(endianness: .little, as: UInt16.self), let v = packet.readString(length: Int(vl))
        {
            out.append((k, v))
        }
        return (out, info)
    }

    @Test("vars come in uWSGI's order, PATH_INFO before REQUEST_URI when there is a query")
    func order() throws {
        let (vars, info) = try Self.vars("POST /p%41th?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\ncontent-type: text/x\r\nX-A-b: v \r\n\r\n")
        #expect(vars.map(\.0) == [
            "REQUEST_METHOD", "PATH_INFO", "REQUEST_URI", "QUERY_STRING", "SERVER_PROTOCOL", "SCRIPT_NAME",
            "HTTP_HOST", "CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_X_A_B",
        ])
        #expect(vars[1].1 == "/pAth")
        #expect(vars[9].1 == "v")
        #expect(info.contentLength == 3)
        #expect(info.hostRange != nil)
        #expect(info.isHTTP11)
    }

    @Test("no query: REQUEST_URI, PATH_INFO, empty QUERY_STRING")
    func noQuery() throws {
        let (vars, _) = try Self.vars("GET /x HTTP/1.0\r\n\r\n")
        #expect(vars.prefix(4).map(\.0) == ["REQUEST_METHOD", "REQUEST_URI", "PATH_INFO", "QUERY_STRING"])
        #expect(vars[3].1 == "")
    }

    @Test("WebSocket detection needs the key plus two of the three markers")
    func webSocket() throws {
        let (_, yes) = try Self.vars("GET / HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n")
        #expect(yes.isWebSocket)
        let (_, no) = try Self.vars("GET / HTTP/1.1\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n")
        #expect(!no.isWebSocket)
    }

    @Test("conflicting lengths, bare LF and Content-Length with Transfer-Encoding are refused")
    func refused() {
        for head in [
            "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n",
            "GET / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            #expect(throws: WireShimError.self) { try Self.vars(head) }
        }
    }

    @Test("response heads: length, chunking, close and keep-alive eligibility")
    func responseScan() throws {
        let text = "HTTP/1.1 204 No Content\r\nConnection: close\r\nTrailers: x\r\n\r\nrest"
        let info = try #require(Array(text.utf8).withUnsafeBytes { WireShims.scanResponseHead($0) })
        #expect(info.isHTTP11)
        #expect(info.status == 204)
        #expect(info.connectionClose)
        #expect(info.hasTrailers)
        #expect(info.headLength == text.utf8.count - 4)
        #expect(Array("HTTP/1.1 200 OK\r\nContent-Len".utf8).withUnsafeBytes { WireShims.scanResponseHead($0) } == nil)
    }

    @Test("fastrouter key precedence, split at every byte")
    func fastKey() {
        let bytes = StreamRouterTests.packet([("SERVER_NAME", "s"), ("HTTP_HOST", "h")], modifier1: 0, modifier2: 0)
        for cut in 0..<bytes.count {
            let sniff = WireShims.sniffFastrouterKey(ByteBuffer(bytes: bytes[0..<cut]), maxVarBlock: 65535)
            #expect(sniff == .needMore)
        }
        #expect(WireShims.sniffFastrouterKey(ByteBuffer(bytes: bytes), maxVarBlock: 65535) == .complete(key: ByteBuffer(string: "h")))
        let noKey = StreamRouterTests.packet([("PATH_INFO", "/")], modifier1: 0, modifier2: 0)
        #expect(WireShims.sniffFastrouterKey(ByteBuffer(bytes: noKey), maxVarBlock: 65535) == .complete(key: ByteBuffer()))
        #expect(WireShims.sniffFastrouterKey(ByteBuffer(bytes: bytes), maxVarBlock: 4) != .needMore)
    }

    @Test("node addresses: host:port, :port, unix path; bad ones name the input")
    func endpoints() throws {
        #expect(try NodeEndpoint(resolving: "127.0.0.1:3031").socketAddress.port == 3031)
        #expect(try NodeEndpoint(resolving: ":8080").socketAddress.ipAddress == "127.0.0.1")
        #expect(try NodeEndpoint(resolving: "/tmp/app.sock").socketAddress.protocol == .unix)
        #expect(throws: EndpointError.invalidPort("h:99999")) { try NodeEndpoint(resolving: "h:99999") }
    }
}
