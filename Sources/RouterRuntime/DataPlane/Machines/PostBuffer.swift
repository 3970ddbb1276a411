import NIOCore

/// One request body read whole before its node is connected (`--xxx-post-buffering N`), as a
/// value: up to `limit` bytes are held in memory; once the body goes beyond that, what is held
/// and every later byte are handed out to be spooled (the executor appends them to an unlinked
/// temp file), so no more than `limit` body bytes are ever held in memory.
///
/// No I/O: the machines feed it client bytes and turn what it hands out into actions.
struct PostBuffer: Equatable {
    /// The most body bytes held in memory (N).
    let limit: Int
    /// Body bytes still due from the client.
    private(set) var remaining: Int
    /// The body while it fits in `limit`.
    private(set) var memory = ByteBuffer()
    /// Body bytes handed out to be spooled; 0 while the body is in memory.
    private(set) var spooled = 0

    /// A body of `length` (> 0) bytes, held in memory up to `limit` (> 0) bytes.
    init(limit: Int, length: Int) {
        self.limit = limit
        self.remaining = length
    }

    /// Whether the whole body arrived.
    var isComplete: Bool { remaining == 0 }
    /// Whether the body went to a spool file.
    var isSpooled: Bool { spooled > 0 }

    /// Takes the body's bytes from the front of `bytes` (bytes past the body stay there);
    /// returns the bytes to append to the spool file, if any.
    mutating func take(from bytes: inout ByteBuffer) -> ByteBuffer? {
        let count = min(remaining, bytes.readableBytes)
        guard count > 0, var slice = bytes.readSlice(length: count) else { return nil }
        // `count <= remaining`: neither subtraction nor the sums below (bounded by the body's
        // announced length, itself an Int) can overflow.
        remaining -= count
        if spooled > 0 {
            spooled += count
            return slice
        }
        if memory.readableBytes + count <= limit {
            if memory.readableBytes == 0 { memory = slice } else { memory.writeBuffer(&slice) }
            return nil
        }
        // Over the limit: what was held goes first, then this read.
        var out = memory
        memory = ByteBuffer()
        out.writeBuffer(&slice)
        spooled = out.readableBytes
        return out
    }

    /// Hands over the body held in memory (empty once spooled).
    mutating func takeMemory() -> ByteBuffer {
        let body = memory
        memory = ByteBuffer()
        return body
    }

    /// The whole body arrived: a body held in memory joins `packet`, a spooled one is to be
    /// sent from its spool file (the returned value).
    mutating func finish(into packet: inout ByteBuffer) -> SpoolSend? {
        if isSpooled { return SpoolSend(length: spooled) }
        var body = takeMemory()
        packet.writeBuffer(&body)
        return nil
    }
}

/// Sending a spooled body to the node in chunks, as a value: the executor reads each chunk
/// from the spool file at `offset` and writes it to the node, and the machine moves on while
/// the node's link stays writable (so no more than a chunk and the link's watermark is in
/// memory at once).
struct SpoolSend: Equatable {
    /// The spooled body's length.
    let length: Int
    /// Bytes already sent.
    private(set) var offset = 0
    /// Waiting for the node's link to become writable again.
    var waitingForWritable = false

    /// The most bytes read from the spool file at once.
    static let chunkSize = 65536

    init(length: Int) {
        self.length = length
    }

    /// Whether the whole body was sent.
    var isDone: Bool { offset >= length }

    /// The next chunk to send.
    var next: (offset: Int, length: Int) {
        (offset, min(Self.chunkSize, length - offset))
    }

    /// The chunk `next` named was sent.
    mutating func sent() {
        offset += next.length
    }

    /// The next chunk to send while the node's link is `writable`; otherwise nil, and the send
    /// waits for `resume()`.
    mutating func nextChunk(writable: Bool) -> (offset: Int, length: Int)? {
        guard writable else {
            waitingForWritable = true
            return nil
        }
        return next
    }

    /// The node's link became writable: the chunk to send, or nil when the send was not waiting.
    mutating func resume() -> (offset: Int, length: Int)? {
        guard waitingForWritable else { return nil }
        waitingForWritable = false
        return next
    }
}
