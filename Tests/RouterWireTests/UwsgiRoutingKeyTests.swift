import NIOCore
import RouterWire
import Testing

@Suite("Fastrouter routing key from uwsgi vars")
struct UwsgiRoutingKeyTests {
    static func key(_ items: [(String, String)]) throws -> String? {
        let packet = try UwsgiPacket(vars: items)
        return packet.vars.routingKey().map { String(buffer: $0) }
    }

    @Test(arguments: [
        ([("SERVER_NAME", "s"), ("HTTP_HOST", "h")], "h"),
        ([("HTTP_HOST", "h"), ("SERVER_NAME", "s")], "h"),
        ([("SERVER_NAME", "s"), ("UWSGI_FASTROUTER_KEY", "f"), ("HTTP_HOST", "h")], "f"),
        ([("UWSGI_FASTROUTER_KEY", "f1"), ("UWSGI_FASTROUTER_KEY", "f2")], "f1"),
        ([("HTTP_HOST", "h1"), ("HTTP_HOST", "h2")], "h2"),
        ([("SERVER_NAME", "s1"), ("SERVER_NAME", "s2")], "s1"),
        ([("http_host", "h"), ("SERVER_NAME", "s")], "s"),
        ([("PATH_INFO", "/")], nil),
        ([], nil),
    ] as [([(String, String)], String?)])
    func followsUwsgisPrecedence(items: [(String, String)], expected: String?) throws {
        #expect(try Self.key(items) == expected)
    }

    @Test func valuesOver255BytesAreIgnored() throws {
        let long = String(repeating: "k", count: 256)
        #expect(try Self.key([("UWSGI_FASTROUTER_KEY", long), ("HTTP_HOST", "h")]) == "h")
        #expect(try Self.key([("SERVER_NAME", "s"), ("HTTP_HOST", long)]) == "s")
        let exact = String(repeating: "k", count: 255)
        #expect(try Self.key([("HTTP_HOST", exact)]) == exact)
    }

    @Test func theDecoderWaitsForTheWholeBlockAtEveryCut() throws {
        let packet = try UwsgiPacket(vars: [("SERVER_NAME", "s"), ("HTTP_HOST", "h"), ("PATH_INFO", "/")])
        var bytes = ByteBuffer()
        UwsgiPacketEncoder.write(packet, into: &bytes)
        bytes.writeString("body")
        let whole = Array(bytes.readableBytesView)
        for cut in 0..<(whole.count - 4) {
            var decoder = UwsgiPacketDecoder()
            var input = ByteBuffer(bytes: whole[0..<cut])
            #expect(try decoder.decodePacket(buffer: &input) == nil)
        }
        var decoder = UwsgiPacketDecoder()
        var input = bytes
        let decoded = try #require(try decoder.decodePacket(buffer: &input))
        #expect(decoded.vars.routingKey().map { String(buffer: $0) } == "h")
        #expect(String(buffer: input) == "body")
    }
}
