import NIOCore
import NIOTestUtils
import RouterWire
import Testing

@Suite("tuntap frames")
struct TuntapFrameTests {
    static let rule = TuntapRule(
        direction: .out, source: 0x0A00_0001, sourceMask: 0xFFFF_FFFF, destination: 0xC0A8_0000,
        destinationMask: 0xFFFF_0000, action: .route, target: 0x7F00_0001, targetPort: 4000
    )

    /// An IPv4 header's first 20 bytes (the codec does not interpret them).
    static let ipPacket = ByteBuffer(bytes: [UInt8](hex: "45 00 00 14 00 00 40 00 40 11 00 00 0a 00 00 01 0a 00 00 02"))

    static let frames: [TuntapFrame] = [
        .rules([Self.rule, TuntapRule(direction: .in, source: 0, sourceMask: 0, destination: 0, destinationMask: 0, action: .deny)]),
        .packet(Self.ipPacket), .packet(ByteBuffer()), .rules([]),
    ]

    static func encoded(_ frames: [TuntapFrame]) throws -> [UInt8] {
        var out = ByteBuffer()
        for frame in frames { try TuntapFrameEncoder.write(frame, into: &out) }
        return Array(out.readableBytesView)
    }

    @Test func encodesPackedRulesWithUwsgisByteOrders() throws {
        #expect(try Self.encoded([.rules([Self.rule])]) == [UInt8](hex: """
            00 18 00 01
            01 01 00 00 0a ff ff ff ff 00 00 a8 c0 00 00 ff ff 02 7f 00 00 01 0f a0
            """))
        #expect(try Self.encoded([.packet(Self.ipPacket)]).prefix(4) == [0, 20, 0, 0])
    }

    static let malformed: [([UInt8], String)] = {
        let zeros16 = [UInt8](repeating: 0, count: 16)
        let badDirection: [UInt8] = [0x00, 0x18, 0x00, 0x01, 0x02] + [UInt8](repeating: 0, count: 23)
        let badAction: [UInt8] = [0x00, 0x18, 0x00, 0x01, 0x00] + zeros16 + [3] + [UInt8](repeating: 0, count: 6)
        return [
            ([0x01, 0x00, 0x00, 0x00], "tuntap frame modifier1 1, expected 0"),
            ([0x00, 0x00, 0x00, 0x02], "tuntap frame modifier2 2, expected 0 (packet) or 1 (rules)"),
            ([0x00, 0x17, 0x00, 0x01], "tuntap rules frame of 23 bytes is not a multiple of 24"),
            ([0x00, 0x01, 0x20, 0x00], "tuntap frame of 8193 bytes exceeds 8192"),
            (badDirection, "tuntap rule direction 2, expected 0 (in) or 1 (out)"),
            (badAction, "tuntap rule action 3, expected 0 (allow), 1 (deny) or 2 (route)"),
        ]
    }()

    @Test(arguments: Self.malformed)
    func malformedFramesAreTypedErrors(bytes: [UInt8], reason: String) {
        #expect(throws: WireError.malformedFrame(reason: reason)) {
            try Feeding.decodeAll(TuntapFrameDecoder(), bytes, .allAtOnce)
        }
    }

    @Test func verifierAcceptsTheDecoder() throws {
        let pairs = try Self.frames.map { (ByteBuffer(bytes: try Self.encoded([$0])), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { TuntapFrameDecoder() }
    }

    @Test(arguments: Feeding.Split.standard)
    func anySplitGivesTheSameFrames(split: Feeding.Split) throws {
        let stream = try Self.encoded(Self.frames) + [0, 30, 0]
        let result = try Feeding.decodeAll(TuntapFrameDecoder(), stream, split)
        #expect(result.outputs == Self.frames)
        #expect(result.leftover == [0, 30, 0])
    }

    @Test func fuzzedStreamsGiveValuesOrTypedErrors() async throws {
        let seeds = [try Self.encoded(Self.frames)] + (try Self.frames.map { try Self.encoded([$0]) })
        var out = ByteBuffer()
        let counts = await Fuzzing.run(seed: 0x5EED_0006, seeds: seeds) { input in
            var buffer = ByteBuffer(bytes: input)
            var decoder = TuntapFrameDecoder()
            for _ in 0...input.count {
                guard let frame = try decoder.decodeFrame(buffer: &buffer) else { break }
                out.clear()
                try TuntapFrameEncoder.write(frame, into: &out)
            }
        }
        #expect(counts.values > 1000 && counts.errors > 1000)
    }
}
