import CLeanSockets
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// One socket's outgoing bytes: queued by `enqueue`, sent by `flush` with one gathered
/// `sendmsg` per attempt, the rest kept after a partial write or EAGAIN until the socket's
/// next writable edge. Writability follows NIO's default watermarks (64 KiB high, 32 KiB low)
/// so the machines see the same backpressure as on NIO channels.
struct LeanOutput {
    /// Above this many queued bytes the socket reports "not writable".
    static let highWatermark = 64 * 1024
    /// Below this many it reports "writable" again.
    static let lowWatermark = 32 * 1024

    /// The buffer sent next; nil only when nothing is queued. Kept out of `rest` so that a
    /// socket that never has more than one buffer waiting (a node's request packet, most
    /// responses) never allocates an array.
    private var first: ByteBuffer?
    /// The buffers queued behind `first`, in order.
    private var rest: [ByteBuffer] = []
    /// Bytes queued and not yet sent.
    private(set) var pendingBytes = 0
    /// The writability last reported.
    private(set) var isWritable = true

    /// What a flush achieved.
    enum FlushResult: Equatable {
        /// Everything queued was sent.
        case drained
        /// The socket took less than queued: wait for its writable edge.
        case blocked
        /// The send failed with this errno (the peer is gone).
        case failed(CInt)
    }

    /// Whether nothing waits to be sent.
    var isEmpty: Bool { pendingBytes == 0 }

    /// Queues `bytes`; returns false when this write made the socket unwritable.
    @discardableResult
    mutating func enqueue(_ bytes: ByteBuffer) -> Bool {
        let count = bytes.readableBytes
        guard count > 0 else { return true }
        if first == nil { first = bytes } else { rest.append(bytes) }
        pendingBytes += count
        if isWritable, pendingBytes > Self.highWatermark {
            isWritable = false
            return false
        }
        return true
    }

    /// The first queued buffer: what a completion-based send sends next.
    var head: ByteBuffer? { first }

    /// Records `count` bytes sent by someone else (a ring's completed send); `becameWritable`
    /// as for `flush`.
    mutating func sent(_ count: Int, becameWritable: inout Bool) {
        consume(count)
        if !isWritable, pendingBytes < Self.lowWatermark {
            isWritable = true
            becameWritable = true
        }
    }

    /// Sends what the socket takes; `becameWritable` is set when the queue fell below the low
    /// watermark after being above the high one.
    mutating func flush(_ fd: CInt, becameWritable: inout Bool) -> FlushResult {
        while pendingBytes > 0 {
            let sent = send(fd)
            if sent < 0 {
                let error = lean_errno()
                if error == EINTR { continue }
                if error == EAGAIN || error == EWOULDBLOCK { return .blocked }
                return .failed(error)
            }
            self.sent(sent, becameWritable: &becameWritable)
        }
        return .drained
    }

    /// Drops everything queued (the socket closed).
    mutating func discard() {
        first = nil
        rest.removeAll()
        pendingBytes = 0
    }

    private func send(_ fd: CInt) -> Int {
        guard let first else { return 0 }
        if rest.isEmpty {
            return first.withUnsafeReadableBytes { lean_send(fd, $0.baseAddress, $0.count) }
        }
        // The buffers stay queued, unmodified, for the duration of the call.
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: 16) { vectors in
            func gather(_ buffer: ByteBuffer, at index: Int) {
                buffer.withUnsafeReadableBytes { bytes in
                    vectors[index] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
                }
            }
            gather(first, at: 0)
            var count = 1
            for buffer in rest.prefix(15) {
                gather(buffer, at: count)
                count += 1
            }
            return lean_sendv(fd, vectors.baseAddress, CInt(count))
        }
    }

    private mutating func consume(_ sent: Int) {
        var left = sent
        pendingBytes -= sent
        while left > 0, let size = first?.readableBytes {
            if size <= left {
                left -= size
                // `rest` keeps its capacity: a busy socket's queue allocates once.
                first = rest.isEmpty ? nil : rest.removeFirst()
            } else {
                first?.moveReaderIndex(forwardBy: left)
                left = 0
            }
        }
    }
}
