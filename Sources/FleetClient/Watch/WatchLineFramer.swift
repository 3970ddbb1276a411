#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore

/// Splits a watch stream's body into lines, as a pure value: bytes go in as they arrive, whole
/// lines (without their newline) come out, and a line longer than `limit` is an error rather
/// than a buffer that grows without end.
struct WatchLineFramer: Sendable {
    /// A line grew past the limit before its newline.
    struct Overflow: Error, Sendable, Equatable {
        /// The limit it passed.
        var limit: Int
    }

    /// The longest line accepted, in bytes.
    let limit: Int
    private var pending = ByteBuffer()

    /// Creates a framer for lines of at most `limit` bytes.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Bytes received but not yet part of a whole line.
    var pendingBytes: Int { pending.readableBytes }

    /// Adds `chunk`; returns the lines it completed, in order.
    mutating func append(_ chunk: ByteBuffer) throws(Overflow) -> [ByteBuffer] {
        var chunk = chunk
        var lines: [ByteBuffer] = []
        while let length = Self.lineLength(in: chunk) {
            guard pending.readableBytes <= limit - min(length, limit), length <= limit else { throw Overflow(limit: limit) }
            var piece = chunk.readSlice(length: length) ?? ByteBuffer()
            chunk.moveReaderIndex(forwardBy: 1)
            if pending.readableBytes == 0 {
                lines.append(piece)
            } else {
                pending.writeBuffer(&piece)
                lines.append(pending)
                pending = ByteBuffer()
            }
        }
        guard chunk.readableBytes <= limit - min(pending.readableBytes, limit) else { throw Overflow(limit: limit) }
        if chunk.readableBytes > 0 { pending.writeBuffer(&chunk) }
        return lines
    }

    /// The bytes before the first newline of `chunk`'s readable bytes; nil when it has none.
    /// `memchr` reads a whole delta or document line at memory speed, not byte by byte.
    private static func lineLength(in chunk: ByteBuffer) -> Int? {
        chunk.withUnsafeReadableBytes { bytes -> Int? in
            guard let base = bytes.baseAddress, let found = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count) else { return nil }
            return UnsafeRawPointer(found) - base
        }
    }
}
