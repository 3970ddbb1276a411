import NIOCore

// INTEGRATION: everything under `WireShims` is a stand-in for RouterWire's codecs (uwsgi var
// writer, HTTP head → uwsgi packet, response head scan, uwsgi header sniff). It is private to
// the data plane and written for the hot path (one pass over the bytes, no `String`s); replace
// it with RouterWire's codecs at integration, or keep it if RouterWire's are slower.

/// Minimal wire helpers the data plane needs before RouterWire's codecs are integrated.
enum WireShims {
    /// The most a uwsgi var block can carry (its size is a u16).
    static let maxVarBlock = 65535

    /// Encodes one uwsgi var (`[u16 LE len][key][u16 LE len][value]`) into `buffer`.
    static func writeVar(_ buffer: inout ByteBuffer, key: StaticString, value: some Collection<UInt8>) {
        buffer.writeInteger(UInt16(truncatingIfNeeded: key.utf8CodeUnitCount), endianness: .little)
        buffer.writeStaticString(key)
        buffer.writeInteger(UInt16(truncatingIfNeeded: value.count), endianness: .little)
        buffer.writeBytes(value)
    }

    /// Encodes one uwsgi var whose value is a string.
    static func writeVar(_ buffer: inout ByteBuffer, key: StaticString, string: String) {
        writeVar(&buffer, key: key, value: string.utf8)
    }

    /// Sets the 4-byte uwsgi header at `buffer`'s reader index, sizing the var block from the
    /// bytes after it; throws when the block exceeds 65535 bytes.
    static func finishPacket(_ buffer: inout ByteBuffer, modifier1: UInt8, modifier2: UInt8) throws(WireShimError) {
        let size = buffer.readableBytes - 4
        guard size <= maxVarBlock else { throw .varBlockTooLarge(size) }
        let at = buffer.readerIndex
        buffer.setInteger(modifier1, at: at)
        buffer.setInteger(UInt16(size), at: at + 1, endianness: .little)
        buffer.setInteger(modifier2, at: at + 3)
    }
}

/// Why a request head could not become a uwsgi packet.
enum WireShimError: Error, Equatable {
    /// The head is not valid HTTP/1.x; the reason names the part.
    case malformed(String)
    /// The generated var block would exceed 65535 bytes.
    case varBlockTooLarge(Int)
}

/// A cursor writing into raw memory reserved in a `ByteBuffer`; the caller reserves enough.
struct RawWriter {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var count = 0

    init(_ base: UnsafeMutableRawPointer) {
        self.base = base
    }

    @inline(__always) mutating func u16(_ value: Int) {
        base.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: count, as: UInt8.self)
        base.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: count + 1, as: UInt8.self)
        count += 2
    }

    @inline(__always) mutating func byte(_ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always) mutating func bytes(_ source: UnsafeRawBufferPointer) {
        guard let from = source.baseAddress, !source.isEmpty else { return }
        (base + count).copyMemory(from: from, byteCount: source.count)
        count += source.count
    }

    @inline(__always) mutating func bytes(_ source: StaticString) {
        bytes(UnsafeRawBufferPointer(start: source.utf8Start, count: source.utf8CodeUnitCount))
    }

    /// Writes `key` and then `value` as one uwsgi var.
    @inline(__always) mutating func item(_ key: StaticString, _ value: UnsafeRawBufferPointer) {
        u16(key.utf8CodeUnitCount)
        bytes(key)
        u16(value.count)
        bytes(value)
    }

    /// Patches a u16 written earlier at `offset`.
    @inline(__always) func patchU16(at offset: Int, _ value: Int) {
        base.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: offset, as: UInt8.self)
        base.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: offset + 1, as: UInt8.self)
    }
}
