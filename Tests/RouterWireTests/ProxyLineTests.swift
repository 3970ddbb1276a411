import NIOCore
import RouterWire
import Testing

@Suite("PROXY v1 line")
struct ProxyLineTests {
    static func parse(_ text: String) throws -> ProxyLine? {
        try ProxyLine.parse(ByteBuffer(string: text))
    }

    @Test func parsesTcp4() throws {
        let line = try #require(try Self.parse("PROXY TCP4 192.168.0.1 10.0.0.11 56324 443\r\nGET / HTTP/1.1\r\n"))
        #expect(line == ProxyLine(family: .tcp4, sourceAddress: "192.168.0.1", destinationAddress: "10.0.0.11",
                                  sourcePort: 56324, destinationPort: 443, length: 44))
    }

    @Test func parsesTcp6() throws {
        let line = try #require(try Self.parse("PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1 65535\r\n"))
        #expect(line.family == .tcp6)
        #expect(line.sourceAddress == "2001:db8::1")
        #expect(line.destinationAddress == "::ffff:10.0.0.1")
        #expect(line.sourcePort == 1 && line.destinationPort == 65535)
        let full = try #require(try Self.parse("PROXY TCP6 1:2:3:4:5:6:7:8 :: 0 0\r\n"))
        #expect(full.sourceAddress == "1:2:3:4:5:6:7:8" && full.destinationAddress == "::")
    }

    @Test func unknownIgnoresTheRest() throws {
        #expect(try Self.parse("PROXY UNKNOWN\r\n") == ProxyLine(family: .unknown, length: 15))
        #expect(try Self.parse("PROXY UNKNOWN whatever 1 2\r\n")?.length == 28)
    }

    @Test func incompleteLinesWait() throws {
        #expect(try Self.parse("") == nil)
        #expect(try Self.parse("PRO") == nil)
        #expect(try Self.parse("PROXY TCP4 1.2.3.4") == nil)
        #expect(try Self.parse("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r") == nil)
        #expect(ProxyLine.mayStart(ByteBuffer(string: "PROX")))
        #expect(!ProxyLine.mayStart(ByteBuffer(string: "GET /")))
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\n", "does not start with 'PROXY '"),
        ("PROXY\r\n", "does not start with 'PROXY '"),
        ("PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n", "protocol is not TCP4, TCP6 or UNKNOWN"),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "expected 4 fields after the protocol, found 3 or more"),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "expected 4 fields after the protocol, found 5 or more"),
        ("PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n", "expected 4 fields after the protocol, found 5 or more"),
        ("PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", "source address is not an IPv4 address"),
        ("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "source address is not an IPv4 address"),
        ("PROXY TCP4 1.2.3.4 ::1 1 2\r\n", "destination address is not an IPv4 address"),
        ("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "source address is not an IPv6 address"),
        ("PROXY TCP6 1::2::3 ::1 1 2\r\n", "source address is not an IPv6 address"),
        ("PROXY TCP6 12345::1 ::1 1 2\r\n", "source address is not an IPv6 address"),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n", "source port exceeds 65535"),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 x\r\n", "destination port is not a decimal number"),
        ("PROXY TCP4 1.2.3.4 5.6.7.8 1 123456\r\n", "destination port is not 1 to 5 digits"),
        ("PROXY TCP4 1.2.3.4\n", "bare LF"),
        ("PROXY TCP4 1.2.3.4\rx", "CR not followed by LF"),
        ("PROXY UNKNOWN " + String(repeating: "x", count: 100), "no CRLF within 107 bytes"),
    ])
    func malformedLinesAreTypedErrors(line: String, reason: String) {
        #expect(throws: WireError.malformedProxyLine(reason: reason)) { try Self.parse(line) }
    }

    @Test func the107ByteLimitIsInclusive() throws {
        let body = "PROXY UNKNOWN " + String(repeating: "x", count: 107 - 16)
        #expect(try Self.parse(body + "\r\n")?.length == 107)
        #expect(throws: WireError.self) { try Self.parse(body + "x\r\n") }
    }

    @Test(arguments: Feeding.Split.standard)
    func anySplitGivesTheSameLine(split: Feeding.Split) throws {
        let bytes = Array("PROXY TCP6 fe80::1:2 2001:db8:0:0:1:0:0:1 40000 8443\r\nGET /".utf8)
        let expected = try ProxyLine.parse(ByteBuffer(bytes: bytes))
        var input = ByteBuffer()
        var result: ProxyLine?
        for chunk in Feeding.chunks(bytes, split) where result == nil {
            input.writeBytes(chunk)
            result = try ProxyLine.parse(input)
        }
        #expect(result != nil && result == expected)
    }

    @Test func fuzzedLinesGiveValuesOrTypedErrors() async {
        let seeds = [
            "PROXY TCP4 192.168.0.1 10.0.0.11 56324 443\r\n", "PROXY TCP6 2001:db8::1 ::ffff:10.0.0.1 1 65535\r\n",
            "PROXY UNKNOWN\r\n",
        ].map { Array($0.utf8) }
        let counts = await Fuzzing.run(seed: 0x5EED_0004, seeds: seeds, maximumRandomLength: 120) { input in
            if let line = try ProxyLine.parse(ByteBuffer(bytes: input)), line.length > min(input.count, 107) {
                Issue.record("line longer than its input: \(input)")
            }
        }
        #expect(counts.values > 1000 && counts.errors > 1000)
    }
}
