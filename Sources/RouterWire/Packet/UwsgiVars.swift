import NIOCore

/// A validated uwsgi var block: a collection of `UwsgiVar` items read in place from the block's bytes.
///
/// Decoding only checks the block once and keeps a slice of it; items and lookups read the
/// length prefixes on demand, so no per-item storage or `String` is ever allocated.
public struct UwsgiVars: Sendable, Hashable {
    /// The var block; its readable bytes are exactly the concatenated items.
    public let block: ByteBuffer
    /// The number of items in the block.
    public let count: Int

    /// Checks that `block` is a well-formed var block (every item complete, no empty key).
    ///
    /// Error offsets are relative to the first byte of the block.
    public init(validating block: ByteBuffer) throws(WireError) {
        let result = block.withUnsafeReadableBytes { Self.validate($0) }
        self.block = block
        self.count = try result.get()
    }

    /// Wraps a block the caller has already validated (or just encoded itself).
    init(trustedBlock block: ByteBuffer, count: Int) {
        self.block = block
        self.count = count
    }

    /// An empty var block.
    public init() {
        self.block = ByteBuffer()
        self.count = 0
    }

    /// Walks the length prefixes; returns the item count or the first structural error.
    @usableFromInline
    static func validate(_ bytes: UnsafeRawBufferPointer) -> Result<Int, WireError> {
        let end = bytes.count
        var offset = 0
        var items = 0
        while offset < end {
            guard end - offset >= 2 else { return .failure(.truncatedItem(offset: offset)) }
            let keyLength = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            guard keyLength > 0 else { return .failure(.emptyKey(offset: offset)) }
            // The key and the value's 2-byte length prefix must both fit.
            guard end - offset - 2 >= keyLength + 2 else { return .failure(.truncatedItem(offset: offset)) }
            let valuePrefix = offset + 2 + keyLength
            let valueLength = Int(bytes[valuePrefix]) | Int(bytes[valuePrefix + 1]) << 8
            guard end - valuePrefix - 2 >= valueLength else { return .failure(.truncatedItem(offset: offset)) }
            offset = valuePrefix + 2 + valueLength
            items += 1
        }
        return .success(items)
    }

    /// The value of the first item whose key equals `key` byte for byte, or nil.
    @inlinable
    public func value(for key: StaticString) -> ByteBufferView? {
        key.withUTF8Buffer { self.valueRange(forKey: UnsafeRawBufferPointer($0)) }.map(self.view(of:))
    }

    /// The value of the first item whose key equals `key`'s UTF-8 bytes, or nil.
    @inlinable
    public func value(for key: String) -> ByteBufferView? {
        var key = key
        return key.withUTF8 { self.valueRange(forKey: UnsafeRawBufferPointer($0)) }.map(self.view(of:))
    }

    /// The value of the first item whose key equals `key`, or nil.
    @inlinable
    public func value(forKey key: some Collection<UInt8>) -> ByteBufferView? {
        let range = key.withContiguousStorageIfAvailable { self.valueRange(forKey: UnsafeRawBufferPointer($0)) }
            ?? Array(key).withUnsafeBytes { self.valueRange(forKey: $0) }
        return range.map(self.view(of:))
    }

    /// The value of the first item with that key decoded as text, or nil.
    public func string(for key: String) -> String? {
        self.value(for: key).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Every item as a (key, value) string pair, in order; a convenience for tests and tools.
    public var stringPairs: [(key: String, value: String)] {
        self.map { ($0.keyString, $0.valueString) }
    }

    @usableFromInline
    func view(of range: Range<Int>) -> ByteBufferView {
        self.block.readableBytesView[(self.block.readerIndex + range.lowerBound)..<(self.block.readerIndex + range.upperBound)]
    }

    /// Offsets (relative to the block start) of the first value whose key matches.
    @usableFromInline
    func valueRange(forKey key: UnsafeRawBufferPointer) -> Range<Int>? {
        self.block.withUnsafeReadableBytes { bytes -> Range<Int>? in
            var found: Range<Int>?
            Self.forEachItem(bytes) { keyStart, keyLength, value in
                guard keyLength == key.count, let base = bytes.baseAddress, let keyBase = key.baseAddress,
                      memcmpBytes(base + keyStart, keyBase, keyLength)
                else { return true }
                found = value
                return false
            }
            return found
        }
    }

    /// Calls `body` with each item's key offset, key length and value range (relative to the
    /// block start), in order, until it returns false. The block is validated, so every length
    /// prefix read here is in bounds.
    static func forEachItem(_ bytes: UnsafeRawBufferPointer, _ body: (Int, Int, Range<Int>) -> Bool) {
        var offset = 0
        let end = bytes.count
        while offset < end {
            let keyLength = Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
            let keyStart = offset + 2
            let valuePrefix = keyStart + keyLength
            let valueLength = Int(bytes[valuePrefix]) | Int(bytes[valuePrefix + 1]) << 8
            let valueStart = valuePrefix + 2
            guard body(keyStart, keyLength, valueStart..<(valueStart + valueLength)) else { return }
            offset = valueStart + valueLength
        }
    }
}

/// Byte-wise equality of two raw regions of `count` bytes.
@usableFromInline
func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ count: Int) -> Bool {
    var i = 0
    while i < count {
        if a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        i += 1
    }
    return true
}

extension UwsgiVars: Collection {
    /// A position in the var block (the byte offset of an item's key length prefix).
    public struct Index: Comparable, Hashable, Sendable {
        @usableFromInline let offset: Int

        @usableFromInline init(offset: Int) { self.offset = offset }

        /// Orders positions by offset.
        public static func < (lhs: Index, rhs: Index) -> Bool { lhs.offset < rhs.offset }
    }

    /// The first item's position.
    public var startIndex: Index { Index(offset: 0) }

    /// The past-the-end position.
    public var endIndex: Index { Index(offset: self.block.readableBytes) }

    /// The position after `i`.
    public func index(after i: Index) -> Index {
        let base = self.block.readerIndex + i.offset
        let keyLength = Int(self.block.getInteger(at: base, endianness: .little, as: UInt16.self) ?? 0)
        let valueLength = Int(self.block.getInteger(at: base + 2 + keyLength, endianness: .little, as: UInt16.self) ?? 0)
        return Index(offset: i.offset + 4 + keyLength + valueLength)
    }

    /// The item at `position`.
    public subscript(position: Index) -> UwsgiVar {
        let base = self.block.readerIndex + position.offset
        let keyLength = Int(self.block.getInteger(at: base, endianness: .little, as: UInt16.self) ?? 0)
        let valueLength = Int(self.block.getInteger(at: base + 2 + keyLength, endianness: .little, as: UInt16.self) ?? 0)
        let view = self.block.readableBytesView
        return UwsgiVar(
            key: view[(base + 2)..<(base + 2 + keyLength)],
            value: view[(base + 4 + keyLength)..<(base + 4 + keyLength + valueLength)]
        )
    }
}
