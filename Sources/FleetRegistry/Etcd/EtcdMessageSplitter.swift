import NIOCore

/// Splits a gateway response body into its JSON messages, without any I/O.
///
/// Unary calls answer with one JSON document; streaming calls (watch, lease keep-alive) answer
/// with a chunked body of newline-separated documents. A message longer than `limit` bytes is
/// an error, so a broken or hostile peer cannot grow memory without bound.
struct EtcdMessageSplitter {
    /// A message over the limit.
    struct TooLarge: Error, Hashable {
        var limit: Int
    }

    let limit: Int
    private var pending = ByteBuffer()

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds body bytes; returns the messages they complete.
    mutating func append(_ bytes: ByteBuffer) throws(TooLarge) -> [ByteBuffer] {
        var input = bytes
        pending.writeBuffer(&input)
        var messages: [ByteBuffer] = []
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            if let line = pending.readSlice(length: length), line.readableBytesView.contains(where: { !Self.isSpace($0) }) {
                messages.append(line)
            }
            pending.moveReaderIndex(forwardBy: 1)
        }
        pending.discardReadBytes()
        guard pending.readableBytes <= limit else { throw TooLarge(limit: limit) }
        return messages
    }

    /// The body ended: the last message, when it had no trailing newline.
    mutating func finish() -> ByteBuffer? {
        defer { pending.clear() }
        guard pending.readableBytesView.contains(where: { !Self.isSpace($0) }) else { return nil }
        return pending
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
