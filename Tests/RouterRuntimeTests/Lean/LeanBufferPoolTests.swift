import NIOCore
import Testing
@testable import RouterRuntime

@Suite("Lean loop buffer pool")
struct LeanBufferPoolTests {
    static func address(_ buffer: ByteBuffer) -> UInt {
        buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
    }

    @Test("a buffer nobody kept is reused in place")
    func reuse() {
        var pool = LeanBufferPool(bufferSize: 4096)
        var first = pool.take()
        first.writeString("hello")
        let storage = Self.address(first)
        pool.give(first)
        first = ByteBuffer()
        let second = pool.take()
        #expect(second.readableBytes == 0)
        #expect(second.writableBytes >= 4096)
        #expect(Self.address(second) == storage)
    }

    @Test("bytes a consumer kept stay intact; the pool moves to fresh storage")
    func keptBytesSurvive() {
        var pool = LeanBufferPool(bufferSize: 4096)
        var buffer = pool.take()
        buffer.writeString("kept")
        let kept = buffer
        pool.give(buffer)
        var next = pool.take()
        next.writeString("overwritten")
        #expect(String(buffer: kept) == "kept")
        #expect(Self.address(next) != Self.address(kept))
    }
}
