import NIOCore
import NIOEmbedded
import NIOSSL
import Testing
@testable import RouterRuntime

@Suite("ClientHello parser")
struct ClientHelloParserTests {
    /// The ClientHello BoringSSL sends for `serverName` (nil: no SNI), off an embedded channel.
    static func realHello(serverName: String?) throws -> [UInt8] {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .none
        let context = try NIOSSLContext(configuration: configuration)
        let channel = EmbeddedChannel()
        defer { _ = try? channel.finish() }
        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: serverName))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var hello: [UInt8] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { hello += Array(buffer.readableBytesView) }
        return hello
    }

    /// A minimal ClientHello with `nameBytes` as its SNI host_name, split into records of `recordSize`.
    static func syntheticHello(nameBytes: [UInt8], recordSize: Int = 16384) -> [UInt8] {
        let nameEntry: [UInt8] = [0] + be16(nameBytes.count) + nameBytes
        let sni: [UInt8] = [0, 0] + be16(nameEntry.count + 2) + be16(nameEntry.count) + nameEntry
        var body: [UInt8] = [3, 3] + [UInt8](repeating: 7, count: 32) + [0] + be16(2) + [0x13, 0x01] + [1, 0]
        body += be16(sni.count) + sni
        let handshake: [UInt8] = [1, UInt8(body.count >> 16), UInt8(body.count >> 8 & 0xFF), UInt8(body.count & 0xFF)] + body
        var out: [UInt8] = []
        var offset = 0
        while offset < handshake.count {
            let chunk = handshake[offset..<min(offset + recordSize, handshake.count)]
            out += [0x16, 3, 1] + be16(chunk.count) + chunk
            offset += recordSize
        }
        return out
    }

    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    @Test("a real ClientHello yields its SNI name, whole, byte by byte, and in random splits")
    func realHelloSNI() throws {
        let hello = try Self.realHello(serverName: "a.example")
        #expect(ClientHelloParser.parse(hello) == .hello(serverName: Array("a.example".utf8)))
        for end in 0..<hello.count {
            #expect(ClientHelloParser.parse(Array(hello[..<end])) == .needMore, "prefix of \(end) bytes")
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let cut = Int.random(in: 1..<hello.count, using: &generator)
            #expect(ClientHelloParser.parse(Array(hello[..<cut])) == .needMore)
        }
        #expect(ClientHelloParser.parse(try Self.realHello(serverName: nil)) == .hello(serverName: nil))
    }

    @Test("a hello split over several records is reassembled")
    func splitRecords() {
        let hello = Self.syntheticHello(nameBytes: Array("b.example".utf8), recordSize: 7)
        #expect(ClientHelloParser.parse(hello) == .hello(serverName: Array("b.example".utf8)))
        #expect(ClientHelloParser.parse(Array(hello.dropLast())) == .needMore)
    }

    @Test("plaintext, bad records and bad hellos are told apart", arguments: [
        (Array("GET / HTTP/1.1\r\n".utf8), ClientHelloParser.Outcome.notTLS(firstByte: UInt8(ascii: "G"))),
        ([0x16, 2, 0, 0, 5, 1, 2, 3, 4, 5], .malformed("record version 2.0")),
        ([0x16, 3, 1, 0, 0], .malformed("record length 0")),
        ([0x16, 3, 1, 0, 4, 2, 0, 0, 0], .malformed("handshake message type 2, not ClientHello")),
        ([0x16, 3, 1, 0, 4, 1, 0x01, 0, 0], .malformed("ClientHello of 65536 bytes")),
        ([0x16, 3, 1, 0, 6, 1, 0, 0, 2, 3, 3], .malformed("ClientHello too short")),
    ])
    func refusals(bytes: [UInt8], outcome: ClientHelloParser.Outcome) {
        #expect(ClientHelloParser.parse(bytes) == outcome)
    }

    @Test("a 300-byte or NUL-holding SNI name parses, and the accept machine refuses it")
    func hostileNames() {
        let long = [UInt8](repeating: UInt8(ascii: "a"), count: 300)
        #expect(ClientHelloParser.parse(Self.syntheticHello(nameBytes: long)) == .hello(serverName: long))
        #expect(TLSAcceptStateMachine.checkServerName(long) == .failure(.badServerName("300 bytes, over 255")))
        let nul = Array("a.example".utf8) + [0] + Array("evil".utf8)
        #expect(TLSAcceptStateMachine.checkServerName(nul) == .failure(.badServerName("holds byte 0x0")))
        #expect(TLSAcceptStateMachine.checkServerName(Array("../etc".utf8)) == .failure(.badServerName("starts with a dot")))
        #expect(TLSAcceptStateMachine.checkServerName(Array("a/b".utf8)) == .failure(.badServerName("holds byte 0x2f")))
        #expect(TLSAcceptStateMachine.checkServerName(Array("Web-1.a_b.example".utf8)) == .success("Web-1.a_b.example"))
    }
}
