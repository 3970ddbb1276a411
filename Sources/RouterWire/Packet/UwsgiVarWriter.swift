import NIOCore

/// A cursor that writes uwsgi var items into memory reserved with `writeWithUnsafeMutableBytes`.
///
/// Encoders that know an upper bound of their output reserve it once and write every item
/// through this cursor: per-item `ByteBuffer` writes cost a capacity check and NIOCore's
/// exclusivity checks each, which made up half of a request packet's instructions.
@usableFromInline
struct UwsgiVarWriter {
    /// The start of the reserved memory.
    @usableFromInline let base: UnsafeMutableRawPointer
    /// Bytes written so far.
    @usableFromInline var count = 0

    /// Starts writing at `base`; the caller has reserved enough bytes for everything written.
    @inlinable
    init(_ base: UnsafeMutableRawPointer) {
        self.base = base
    }

    /// A 16-bit little-endian length (truncated: callers check the 65535 limit on the whole packet).
    @inlinable @inline(__always)
    mutating func u16(_ value: Int) {
        self.base.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: self.count, as: UInt8.self)
        self.base.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: self.count + 1, as: UInt8.self)
        self.count += 2
    }

    /// One byte.
    @inlinable @inline(__always)
    mutating func byte(_ value: UInt8) {
        self.base.storeBytes(of: value, toByteOffset: self.count, as: UInt8.self)
        self.count += 1
    }

    /// Raw bytes.
    @inlinable @inline(__always)
    mutating func bytes(_ source: UnsafeRawBufferPointer) {
        guard let from = source.baseAddress, !source.isEmpty else { return }
        (self.base + self.count).copyMemory(from: from, byteCount: source.count)
        self.count += source.count
    }

    /// The bytes of a constant.
    @inlinable @inline(__always)
    mutating func bytes(_ source: StaticString) {
        self.bytes(UnsafeRawBufferPointer(start: source.utf8Start, count: source.utf8CodeUnitCount))
    }

    /// One item: `key`, then `value`, each behind its length.
    @inlinable @inline(__always)
    mutating func item(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        self.u16(key.count)
        self.bytes(key)
        self.u16(value.count)
        self.bytes(value)
    }

    /// One item with a constant key.
    @inlinable @inline(__always)
    mutating func item(_ key: StaticString, _ value: UnsafeRawBufferPointer) {
        self.item(UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount), value)
    }

    /// Reserves a length written later with `patchU16(at:_:)`; returns its offset.
    @inlinable @inline(__always)
    mutating func reserveU16() -> Int {
        self.count += 2
        return self.count - 2
    }

    /// Stores a 16-bit little-endian length at `offset` (one reserved earlier).
    @inlinable @inline(__always)
    func patchU16(at offset: Int, _ value: Int) {
        self.base.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: offset, as: UInt8.self)
        self.base.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: offset + 1, as: UInt8.self)
    }
}
