import NIOCore

/// A lean loop's read buffers: a socket is read into a pooled buffer, the bytes are handed on
/// as a view of it, and the buffer goes back to the pool. Taken again, it is cleared in place
/// when nothing else still holds its bytes (the steady state: the bytes were written on at
/// once), so reads allocate nothing; when a machine kept them, clearing copies-on-write to
/// fresh storage and the kept bytes stay intact.
struct LeanBufferPool {
    /// The capacity of each buffer (the most one read returns).
    let bufferSize: Int
    private var free: [ByteBuffer] = []
    private let allocator = ByteBufferAllocator()

    /// A pool of buffers of `bufferSize` bytes, created on demand.
    init(bufferSize: Int = 64 * 1024) {
        self.bufferSize = bufferSize
    }

    /// Buffers waiting for reuse.
    var available: Int { free.count }

    /// An empty buffer with `bufferSize` writable bytes.
    mutating func take() -> ByteBuffer {
        guard var buffer = free.popLast() else { return allocator.buffer(capacity: bufferSize) }
        buffer.clear()
        return buffer
    }

    /// Buffers kept for reuse at most: as many as an io_uring loop's receives in flight at
    /// once under load (each node connection holds one while it waits), so that steady load
    /// allocates none.
    static let kept = 64

    /// Returns a buffer for reuse (at most `kept` are).
    mutating func give(_ buffer: ByteBuffer) {
        guard free.count < Self.kept else { return }
        free.append(buffer)
    }

    /// The packet pool's buffers: a request head's uwsgi packet is well under this (uWSGI's
    /// own default buffer is 4 KiB); a larger one is allocated for its request.
    static let packetSize = 4096

    /// Returns a buffer for reuse unless it grew past four times `bufferSize` (a packet that
    /// held a large body for a retry): the pool keeps no large buffers alive.
    mutating func recycle(_ buffer: ByteBuffer) {
        guard buffer.capacity <= 4 * bufferSize else { return }
        give(buffer)
    }
}
