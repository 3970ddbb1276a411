import NIOCore
import NIOTestUtils
import RouterWire
import Testing

@Suite("forkpty frames")
struct ForkptyFrameTests {
    @Test func decodesTheReferenceWindowSizeFrames() throws {
        // §5.6: rows 50, cols 132.
        let result = try Feeding.decodeAll(ForkptyFrameDecoder(), [UInt8](hex: "00 32 00 64 00 84 00 65"), .allAtOnce)
        #expect(result.outputs == [.rows(50), .columns(132)])
        #expect(result.leftover.isEmpty)
    }

    static let frames: [ForkptyFrame] = [
        .rows(24), .columns(80), .input(ByteBuffer(string: "stty size\n")), .signal(2), .input(ByteBuffer()),
        .signal(255), .rows(0),
    ]

    static func encoded(_ frames: [ForkptyFrame]) throws -> [UInt8] {
        var out = ByteBuffer()
        for frame in frames { try ForkptyFrameEncoder.write(frame, into: &out) }
        return Array(out.readableBytesView)
    }

    @Test func encodesWhatPtyUconnectSends() throws {
        #expect(try Self.encoded([.rows(50), .columns(132), .input(ByteBuffer(string: "ls")), .signal(2)])
            == [UInt8](hex: "00 32 00 64 00 84 00 65 00 02 00 00 6c 73 00 00 00 02"))
    }

    @Test func refusesUnframeableSignalsAndOversizeInput() {
        for signal: UInt8 in [0, 100, 101] {
            #expect(throws: WireError.self) { try Self.encoded([.signal(signal)]) }
        }
        var decoder = ForkptyFrameDecoder(maximumInputSize: 4)
        var buffer = ByteBuffer(bytes: [0, 5, 0, 0])
        #expect(throws: WireError.malformedFrame(reason: "forkpty input frame of 5 bytes exceeds 4")) {
            try decoder.decodeFrame(buffer: &buffer)
        }
    }

    @Test func modifier1IsIgnoredAsUwsgiDoes() throws {
        let result = try Feeding.decodeAll(ForkptyFrameDecoder(), [7, 1, 0, 0, 0x41], .allAtOnce)
        #expect(result.outputs == [.input(ByteBuffer(string: "A"))])
    }

    @Test func verifierAcceptsTheDecoder() throws {
        let pairs = try Self.frames.map { (ByteBuffer(bytes: try Self.encoded([$0])), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { ForkptyFrameDecoder() }
    }

    @Test(arguments: Feeding.Split.standard)
    func anySplitGivesTheSameFrames(split: Feeding.Split) throws {
        let stream = try Self.encoded(Self.frames) + [0, 9, 0]
        let result = try Feeding.decodeAll(ForkptyFrameDecoder(), stream, split)
        #expect(result.outputs == Self.frames)
        #expect(result.leftover == [0, 9, 0])
    }

    @Test func fuzzedStreamsGiveValuesOrTypedErrors() async throws {
        let seeds = [try Self.encoded(Self.frames)] + (try Self.frames.map { try Self.encoded([$0]) })
        var out = ByteBuffer()
        let counts = await Fuzzing.run(seed: 0x5EED_0005, seeds: seeds) { input in
            var buffer = ByteBuffer(bytes: input)
            var decoder = ForkptyFrameDecoder(maximumInputSize: 512)
            for _ in 0...input.count {
                guard let frame = try decoder.decodeFrame(buffer: &buffer) else { break }
                out.clear()
                try ForkptyFrameEncoder.write(frame, into: &out)
            }
        }
        #expect(counts.values > 1000 && counts.errors > 1000)
    }
}
