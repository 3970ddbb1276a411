import CNIOLinux
import Glibc
import NIOCore
import Testing
@testable import RouterRuntime

@Suite("Lean socket output queue")
struct LeanOutputTests {
    /// A connected non-blocking unix stream pair with small buffers.
    static func socketPair() throws -> (CInt, CInt) {
        var fds: [CInt] = [0, 0]
        let created = socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue), 0, &fds)
        try #require(created == 0)
        var size: CInt = 4096
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<CInt>.size))
        return (fds[0], fds[1])
    }

    static func readAvailable(_ fd: CInt, into out: inout [UInt8]) {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            out += chunk[0..<n]
        }
    }

    @Test("partial writes and EAGAIN keep every byte, in order, with the watermarks reported")
    func partialWrites() throws {
        let (writer, reader) = try Self.socketPair()
        defer { close(writer); close(reader) }
        var generator = SeededBytes(seed: 3)
        let payload = (0..<300_000).map { _ in generator.next() }
        var output = LeanOutput()
        var wentUnwritable = false
        for start in stride(from: 0, to: payload.count, by: 10_000) {
            if !output.enqueue(ByteBuffer(bytes: payload[start..<min(start + 10_000, payload.count)])) { wentUnwritable = true }
        }
        #expect(wentUnwritable)
        #expect(!output.isWritable)
        var becameWritable = false
        #expect(output.flush(writer, becameWritable: &becameWritable) == .blocked)
        #expect(output.pendingBytes > 0)
        var received: [UInt8] = []
        var rounds = 0
        while !output.isEmpty, rounds < 100_000 {
            Self.readAvailable(reader, into: &received)
            _ = output.flush(writer, becameWritable: &becameWritable)
            rounds += 1
        }
        Self.readAvailable(reader, into: &received)
        #expect(output.isEmpty)
        #expect(becameWritable)
        #expect(output.isWritable)
        #expect(received == payload)
    }

    @Test("a completion-based sender sees the head advance through partial and whole sends, in order")
    func headAdvances() {
        var output = LeanOutput()
        #expect(output.head == nil)
        output.enqueue(ByteBuffer(string: "abc"))
        output.enqueue(ByteBuffer(string: ""))  // nothing to send: not queued
        output.enqueue(ByteBuffer(string: "defg"))
        output.enqueue(ByteBuffer(string: "hi"))
        #expect(output.pendingBytes == 9)
        var becameWritable = false
        output.sent(2, becameWritable: &becameWritable)
        #expect(output.head.map { String(buffer: $0) } == "c")
        output.sent(1 + 4, becameWritable: &becameWritable)
        #expect(output.head.map { String(buffer: $0) } == "hi")
        output.sent(1, becameWritable: &becameWritable)
        #expect(output.head.map { String(buffer: $0) } == "i")
        output.sent(1, becameWritable: &becameWritable)
        #expect(output.head == nil && output.isEmpty)
        // Emptied, it takes new buffers as at first.
        output.enqueue(ByteBuffer(string: "j"))
        output.enqueue(ByteBuffer(string: "k"))
        #expect(output.head.map { String(buffer: $0) } == "j")
        output.discard()
        #expect(output.head == nil && output.isEmpty)
        #expect(!becameWritable)
    }

    @Test("a send to a closed peer fails instead of raising SIGPIPE")
    func peerGone() throws {
        let (writer, reader) = try Self.socketPair()
        defer { close(writer) }
        close(reader)
        var output = LeanOutput()
        output.enqueue(ByteBuffer(string: "lost"))
        var becameWritable = false
        #expect(output.flush(writer, becameWritable: &becameWritable) == .failed(EPIPE))
    }
}
