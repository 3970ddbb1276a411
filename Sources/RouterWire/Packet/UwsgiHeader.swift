import NIOCore

/// The 4-byte header in front of every uwsgi packet: modifier1, little-endian datasize, modifier2.
public struct UwsgiHeader: Sendable, Hashable {
    /// The size of the header on the wire.
    public static let size = 4

    /// Byte 0: the packet or request type (0 = request, 224 = subscription, …).
    public var modifier1: UInt8
    /// Bytes 1–2: the size of the var block (or payload) that follows; never counts a request body.
    public var datasize: UInt16
    /// Byte 3: the sub-type or command.
    public var modifier2: UInt8

    /// Creates a header.
    public init(modifier1: UInt8, datasize: UInt16, modifier2: UInt8) {
        self.modifier1 = modifier1
        self.datasize = datasize
        self.modifier2 = modifier2
    }
}

extension ByteBuffer {
    /// Reads a uwsgi header at `index` without moving the reader index; nil when fewer than 4 bytes are there.
    @inlinable
    public func getUwsgiHeader(at index: Int) -> UwsgiHeader? {
        guard index >= self.readerIndex, self.writerIndex - index >= UwsgiHeader.size,
              let m1 = self.getInteger(at: index, as: UInt8.self),
              let size = self.getInteger(at: index + 1, endianness: .little, as: UInt16.self),
              let m2 = self.getInteger(at: index + 3, as: UInt8.self)
        else { return nil }
        return UwsgiHeader(modifier1: m1, datasize: size, modifier2: m2)
    }

    /// Reads and consumes a uwsgi header; nil (and nothing consumed) when fewer than 4 bytes are readable.
    @inlinable
    public mutating func readUwsgiHeader() -> UwsgiHeader? {
        guard let header = self.getUwsgiHeader(at: self.readerIndex) else { return nil }
        self.moveReaderIndex(forwardBy: UwsgiHeader.size)
        return header
    }

    /// Writes a uwsgi header and returns the number of bytes written (always 4).
    @inlinable
    @discardableResult
    public mutating func writeUwsgiHeader(_ header: UwsgiHeader) -> Int {
        // One 32-bit store: m1 | size << 8 | m2 << 24, little-endian, is exactly the wire layout.
        let word = UInt32(header.modifier1) | UInt32(header.datasize) << 8 | UInt32(header.modifier2) << 24
        return self.writeInteger(word, endianness: .little)
    }

    /// Overwrites the uwsgi header stored at `index` (for example once the var block size is known).
    @inlinable
    public mutating func setUwsgiHeader(_ header: UwsgiHeader, at index: Int) {
        let word = UInt32(header.modifier1) | UInt32(header.datasize) << 8 | UInt32(header.modifier2) << 24
        self.setInteger(word, at: index, endianness: .little)
    }
}
