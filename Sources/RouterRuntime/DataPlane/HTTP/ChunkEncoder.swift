import NIOCore

/// Frames a response body that has no length as HTTP/1.1 chunks (`--http-auto-chunked`).
enum ChunkEncoder {
    /// The chunk-size line for a chunk of `length` bytes (`%x\r\n`).
    static func sizeLine(_ length: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 20)
        let digits = String(length, radix: 16)
        buffer.writeString(digits)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The bytes that end a chunk's data.
    static let chunkEnd = ByteBuffer(staticString: "\r\n")

    /// The last chunk, ending the body (no trailers).
    static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")

    /// The header line inserted before the head's blank line when chunking starts.
    static let chunkedHeader = ByteBuffer(staticString: "Transfer-Encoding: chunked\r\n")

    /// The header line inserted when keep-alive must end after this response.
    static let closeHeader = ByteBuffer(staticString: "Connection: close\r\n")
}
