import NIOCore
import NIOTestUtils
import RouterWire
import Testing

@Suite("uwsgi packet codec")
struct UwsgiPacketTests {
    /// The §1.5 example: PATH_INFO="/", HTTP_HOST="a.b".
    static let example = [UInt8](hex: """
        00 1e 00 00
        09 00 50 41 54 48 5f 49 4e 46 4f 01 00 2f
        09 00 48 54 54 50 5f 48 4f 53 54 03 00 61 2e 62
        """)

    @Test func encodesTheReferenceExampleByteExact() throws {
        let packet = try UwsgiPacket(vars: [("PATH_INFO", "/"), ("HTTP_HOST", "a.b")])
        var out = ByteBuffer()
        UwsgiPacketEncoder.write(packet, into: &out)
        #expect(Array(out.readableBytesView) == Self.example)

        // The streaming writer gives the same bytes.
        var direct = ByteBuffer()
        let start = UwsgiPacketEncoder.beginPacket(in: &direct)
        try direct.writeUwsgiVar(key: "PATH_INFO", value: "/")
        try direct.writeUwsgiVar(key: "HTTP_HOST", value: Array("a.b".utf8))
        try UwsgiPacketEncoder.finishPacket(startedAt: start, in: &direct)
        #expect(Array(direct.readableBytesView) == Self.example)
    }

    @Test func decodesTheReferenceExample() throws {
        let packet = try UwsgiPacket(decoding: ByteBuffer(bytes: Self.example))
        #expect(packet.header == UwsgiHeader(modifier1: 0, datasize: 30, modifier2: 0))
        #expect(packet.vars.count == 2)
        #expect(packet.value(for: "HTTP_HOST").map { Array($0) } == Array("a.b".utf8))
        #expect(packet.value(for: "PATH_INFO" as String).map { Array($0) } == Array("/".utf8))
        #expect(packet.value(for: "http_host") == nil)
        #expect(packet.vars.stringPairs.map { "\($0.key)=\($0.value)" } == ["PATH_INFO=/", "HTTP_HOST=a.b"])
    }

    @Test func keepsOrderDuplicatesEmptyValuesAndRawBytes() throws {
        var block = ByteBuffer()
        try block.writeUwsgiVar(key: "B", value: "1")
        try block.writeUwsgiVar(key: "A", value: [0xFF, 0x00])
        try block.writeUwsgiVar(key: "B", value: "2")
        try block.writeUwsgiVar(key: "E", value: "")
        let vars = try UwsgiVars(validating: block)
        #expect(vars.map(\.keyString) == ["B", "A", "B", "E"])
        #expect(vars.value(for: "B").map { Array($0) } == Array("1".utf8))
        #expect(vars.value(for: "A").map { Array($0) } == [0xFF, 0x00])
        #expect(vars.value(forKey: Array("E".utf8)).map(\.count) == 0)
    }

    @Test func modifiersAreWrittenInPlace() throws {
        var out = ByteBuffer()
        out.writeString("xx")
        let start = UwsgiPacketEncoder.beginPacket(in: &out)
        try out.writeUwsgiVar(key: "K", value: "V")
        try UwsgiPacketEncoder.finishPacket(startedAt: start, in: &out)
        let shared = out  // copy on write: the copy keeps its modifiers
        UwsgiPacketEncoder.setModifiers(modifier1: 5, modifier2: 7, packetAt: start, in: &out)
        #expect(out.getUwsgiHeader(at: start) == UwsgiHeader(modifier1: 5, datasize: 6, modifier2: 7))
        #expect(shared.getUwsgiHeader(at: start) == UwsgiHeader(modifier1: 0, datasize: 6, modifier2: 0))
        // A header before the reader index (or not all readable) is written byte by byte.
        out.moveReaderIndex(to: start + 1)
        UwsgiPacketEncoder.setModifiers(modifier1: 9, modifier2: 11, packetAt: start, in: &out)
        out.moveReaderIndex(to: start)
        #expect(out.getUwsgiHeader(at: start) == UwsgiHeader(modifier1: 9, datasize: 6, modifier2: 11))
    }

    @Test(arguments: [
        ("truncated key length", [UInt8](hex: "01"), WireError.truncatedItem(offset: 0)),
        ("key past the block", [UInt8](hex: "05 00 41 42"), .truncatedItem(offset: 0)),
        ("missing value length", [UInt8](hex: "01 00 41 01"), .truncatedItem(offset: 0)),
        ("value past the block", [UInt8](hex: "01 00 41 05 00 61"), .truncatedItem(offset: 0)),
        ("second item truncated", [UInt8](hex: "01 00 41 00 00 02 00 42"), .truncatedItem(offset: 5)),
        ("empty key", [UInt8](hex: "01 00 41 00 00 00 00 00 00"), .emptyKey(offset: 5)),
    ])
    func malformedVarBlocksAreTypedErrors(name: String, block: [UInt8], expected: WireError) {
        #expect(throws: expected, "\(name)") { try UwsgiVars(validating: ByteBuffer(bytes: block)) }
        var packet = ByteBuffer()
        packet.writeUwsgiHeader(UwsgiHeader(modifier1: 0, datasize: UInt16(block.count), modifier2: 0))
        packet.writeBytes(block)
        #expect(throws: expected, "\(name) in a stream") {
            var decoder = UwsgiPacketDecoder()
            _ = try decoder.decodePacket(buffer: &packet)
        }
    }

    @Test func oneShotDecodingChecksTheDeclaredSize() {
        let shorter = Array(Self.example.dropLast())
        #expect(throws: WireError.sizeMismatch(declared: 30, actual: 29)) { try UwsgiPacket(decoding: ByteBuffer(bytes: shorter)) }
        #expect(throws: WireError.sizeMismatch(declared: 30, actual: 31)) {
            try UwsgiPacket(decoding: ByteBuffer(bytes: Self.example + [0]))
        }
        #expect(throws: WireError.datagramTooShort(size: 3)) { try UwsgiPacket(decoding: ByteBuffer(bytes: [0, 1, 0])) }
        #expect(throws: WireError.packetTooLarge(size: 30, limit: 16)) {
            try UwsgiPacket(decoding: ByteBuffer(bytes: Self.example), maximumVarBlockSize: 16)
        }
    }

    @Test func streamingDecoderRefusesOversizeHeadersBeforeTheBlockArrives() {
        var buffer = ByteBuffer(bytes: [0, 0xFF, 0xFF, 0])
        var decoder = UwsgiPacketDecoder(maximumVarBlockSize: 4096)
        #expect(throws: WireError.packetTooLarge(size: 65535, limit: 4096)) { try decoder.decodePacket(buffer: &buffer) }
    }

    @Test func decoderLeavesTheBodyInTheBuffer() throws {
        var buffer = ByteBuffer(bytes: Self.example + Array("body".utf8))
        var decoder = UwsgiPacketDecoder()
        let packet = try decoder.decodePacket(buffer: &buffer)
        #expect(packet?.vars.count == 2)
        #expect(String(buffer: buffer) == "body")
    }

    @Test func encoderRefusesOversizeItemsAndPackets() throws {
        var out = ByteBuffer()
        #expect(throws: WireError.itemTooLong(key: "K", length: 65536)) {
            try out.writeUwsgiVar(key: "K", value: [UInt8](repeating: 0, count: 65536))
        }
        let start = UwsgiPacketEncoder.beginPacket(in: &out)
        try out.writeUwsgiVar(key: "A", value: [UInt8](repeating: 0, count: 40000))
        try out.writeUwsgiVar(key: "B", value: [UInt8](repeating: 0, count: 40000))
        #expect(throws: WireError.packetTooLarge(size: 80010, limit: 65535)) {
            try UwsgiPacketEncoder.finishPacket(startedAt: start, in: &out)
        }
        #expect(out.writerIndex == start)
    }

    static func samplePackets() throws -> [UwsgiPacket] {
        [
            try UwsgiPacket(decoding: ByteBuffer(bytes: Self.example)),
            try UwsgiPacket(modifier1: 101, modifier2: 3, vars: [("A", ""), ("REQUEST_URI", "/x?y=1"), ("A", "dup")]),
            try UwsgiPacket(vars: []),
            try UwsgiPacket(modifier1: 224, vars: [("key", "app.local"), ("address", "10.0.0.5:3031")]),
        ]
    }

    static func encoded(_ packets: [UwsgiPacket]) -> [UInt8] {
        var out = ByteBuffer()
        for packet in packets { UwsgiPacketEncoder.write(packet, into: &out) }
        return Array(out.readableBytesView)
    }

    @Test func verifierAcceptsTheDecoder() throws {
        let pairs = try Self.samplePackets().map { packet in
            (ByteBuffer(bytes: Self.encoded([packet])), [packet])
        }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { UwsgiPacketDecoder() }
    }

    @Test(arguments: Feeding.Split.standard)
    func anySplitGivesTheSamePackets(split: Feeding.Split) throws {
        let packets = try Self.samplePackets()
        let stream = Self.encoded(packets) + [0, 9]
        let result = try Feeding.decodeAll(UwsgiPacketDecoder(), stream, split)
        #expect(result.outputs == packets)
        #expect(result.leftover == [0, 9])
    }

    @Test func fuzzedInputsGiveValuesOrTypedErrors() async throws {
        let seeds = try Self.samplePackets().map { Self.encoded([$0]) } + [Self.encoded(try Self.samplePackets())]
        let counts = await Fuzzing.run(seed: 0x5EED_0001, seeds: seeds) { input in
            var buffer = ByteBuffer(bytes: input)
            var decoder = UwsgiPacketDecoder(maximumVarBlockSize: 1024)
            for _ in 0...input.count {
                guard let packet = try decoder.decodePacket(buffer: &buffer) else { break }
                _ = packet.value(for: "REQUEST_URI")
                _ = packet.vars.map(\.value.count)
            }
            _ = try? UwsgiPacket(decoding: ByteBuffer(bytes: input))
        }
        #expect(counts.values > 0 && counts.errors > 0)
    }
}
