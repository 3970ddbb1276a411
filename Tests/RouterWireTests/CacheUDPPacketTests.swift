import NIOCore
import RouterWire
import Testing

@Suite("uWSGI cache datagrams (modifier1 111)")
struct CacheUDPPacketTests {
    /// A set as uWSGI 2.0's cache_send_udp_command builds it: key, value, expires "0".
    static let uwsgiSet: [UInt8] = [111, 15, 0, 10, 3, 0] + Array("a.b".utf8) + [5, 0] + Array("x:1|y".utf8) + [1, 0, UInt8(ascii: "0")]

    @Test func decodesAUwsgiSetWithExpiryZeroAsNever() throws {
        let packet = try CacheUDPPacket(decoding: ByteBuffer(bytes: Self.uwsgiSet))
        #expect(packet == .set(key: Array("a.b".utf8), value: Array("x:1|y".utf8), expires: nil))
    }

    /// Captured off uWSGI 2.0.21 (`--cache2 name=routes,items=10,nodes=ADDR`, an app calling
    /// `uwsgi.cache_update('app.local', b'127.0.0.1:3031|127.0.0.1:3032,5', 0, 'routes')`).
    @Test func decodesADatagramCapturedOffUWSGI() throws {
        let hex = "6f2f000a09006170702e6c6f63616c1f003132372e302e302e313a333033317c3132372e302e302e313a333033322c35010030"
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            bytes.append(try #require(UInt8(hex[index..<next], radix: 16)))
            index = next
        }
        let packet = try CacheUDPPacket(decoding: ByteBuffer(bytes: bytes))
        #expect(packet == .set(key: Array("app.local".utf8), value: Array("127.0.0.1:3031|127.0.0.1:3032,5".utf8), expires: nil))
    }

    @Test func setWithoutExpiryAndWithOne() throws {
        let bare: [UInt8] = [111, 7, 0, 10, 1, 0, UInt8(ascii: "k"), 2, 0, UInt8(ascii: "v"), UInt8(ascii: "w")]
        #expect(try CacheUDPPacket(decoding: ByteBuffer(bytes: bare)) == .set(key: [UInt8(ascii: "k")], value: Array("vw".utf8), expires: nil))
        let timed = CacheUDPPacket.set(key: Array("k".utf8), value: Array("v".utf8), expires: 1_900_000_000)
        #expect(try CacheUDPPacket(decoding: try timed.encoded()) == timed)
    }

    @Test func deleteRoundTrips() throws {
        let packet = CacheUDPPacket.delete(key: Array("example.com".utf8))
        let bytes = try packet.encoded()
        #expect(Array(bytes.readableBytesView.prefix(4)) == [111, 13, 0, 11])
        #expect(try CacheUDPPacket(decoding: bytes) == packet)
    }

    @Test(arguments: [
        ("short header", [111, 0]),
        ("wrong modifier1", [224, 3, 0, 11, 1, 0, 65]),
        ("size mismatch", [111, 9, 0, 11, 1, 0, 65]),
        ("unknown command", [111, 3, 0, 12, 1, 0, 65]),
        ("empty key", [111, 2, 0, 11, 0, 0]),
        ("key past the end", [111, 3, 0, 11, 9, 0, 65]),
        ("value length missing", [111, 3, 0, 10, 1, 0, 65]),
        ("trailing bytes after a delete", [111, 4, 0, 11, 1, 0, 65, 66]),
        ("expiry not digits", [111, 9, 0, 10, 1, 0, 65, 1, 0, 66, 1, 0, 45]),
        ("expiry over 64 bits", [111, 29, 0, 10, 1, 0, 65, 1, 0, 66, 21, 0] + Array(repeating: UInt8(ascii: "9"), count: 21)),
        ("expiry 20 digits overflowing", [111, 28, 0, 10, 1, 0, 65, 1, 0, 66, 20, 0] + Array(repeating: UInt8(ascii: "9"), count: 20)),
    ] as [(String, [UInt8])])
    func malformedDatagramsAreTypedErrors(_ name: String, bytes: [UInt8]) {
        #expect(throws: WireError.self, "\(name)") { try CacheUDPPacket(decoding: ByteBuffer(bytes: bytes)) }
    }

    @Test func everyTruncationOfAValidDatagramIsRefused() {
        for length in 0..<Self.uwsgiSet.count {
            #expect(throws: WireError.self) { try CacheUDPPacket(decoding: ByteBuffer(bytes: Self.uwsgiSet.prefix(length))) }
        }
    }

    @Test func oversizeItemsCannotBeEncoded() {
        let packet = CacheUDPPacket.set(key: Array("k".utf8), value: Array(repeating: 65, count: 70_000), expires: nil)
        #expect(throws: WireError.self) { try packet.encoded() }
    }
}
