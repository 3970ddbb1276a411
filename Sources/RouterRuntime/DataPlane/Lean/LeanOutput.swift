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

    private var queue: [ByteBuffer] = []
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
        queue.append(bytes)
        pendingBytes += count
        if isWritable, pendingBytes > Self.highWatermark {
            isWritable = false
            return false
        }
        return true
    }

    /// The first queued buffer: what a completion-based send sends next.
    var head: ByteBuffer? { queue.first }

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
        queue.removeAll()
        pendingBytes = 0
    }

    private func send(_ fd: CInt) -> Int {
        if queue.count == 1 {
            return queue[0].withUnsafeReadableBytes { lean_send(fd, $0.baseAddress, $0.count) }
        }
        // The buffers stay in `queue`, unmodified, for the duration of the call.
        return withUnsafeTemporaryAllocation(of: iovec.self, capacity: 16) { vectors in
            var count = 0
            for buffer in queue.prefix(16) {
                buffer.withUnsafeReadableBytes { bytes in
                    vectors[count] = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
                }
                count += 1
            }
            return lean_sendv(fd, vectors.baseAddress, CInt(count))
        }
    }

    private mutating func consume(_ sent: Int) {
        var left = sent
        pendingBytes -= sent
        var drop = 0
        while left > 0, drop < queue.count {
            let size = queue[drop].readableBytes
            if size <= left {
                left -= size
                drop += 1
            } else {
                queue[drop].moveReaderIndex(forwardBy: left)
                left = 0
            }
        }
        if drop == queue.count {
            queue.removeAll(keepingCapacity: true)
        } else if drop > 0 {
            queue.removeFirst(drop)
        }
    }
}
