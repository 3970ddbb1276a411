import NIOCore

extension ByteBuffer {
    /// Writes one var item (`u16 LE key length, key, u16 LE value length, value`); the fast path
    /// for constant keys.
    @inlinable
    @discardableResult
    public mutating func writeUwsgiVar(key: StaticString, value: some Collection<UInt8>) throws(WireError) -> Int {
        let result = key.withUTF8Buffer { keyBytes in
            Result { () throws(WireError) -> Int in
                try self.writeUwsgiVar(rawKey: UnsafeRawBufferPointer(keyBytes), value: value)
            }
        }
        return try result.get()
    }

    /// Writes one var item with a text key and a raw value.
    @inlinable
    @discardableResult
    public mutating func writeUwsgiVar(key: String, value: some Collection<UInt8>) throws(WireError) -> Int {
        var key = key
        let result = key.withUTF8 { keyBytes in
            Result { () throws(WireError) -> Int in
                try self.writeUwsgiVar(rawKey: UnsafeRawBufferPointer(keyBytes), value: value)
            }
        }
        return try result.get()
    }

    /// Writes one var item with a text key and a text value.
    @inlinable
    @discardableResult
    public mutating func writeUwsgiVar(key: String, value: String) throws(WireError) -> Int {
        try self.writeUwsgiVar(key: key, value: value.utf8)
    }

    /// Writes one var item with a constant key and a text value.
    @inlinable
    @discardableResult
    public mutating func writeUwsgiVar(key: StaticString, value: String) throws(WireError) -> Int {
        try self.writeUwsgiVar(key: key, value: value.utf8)
    }

    /// Writes one var item from raw key bytes; refuses an empty key or a key/value over 65535 bytes.
    @inlinable
    @discardableResult
    public mutating func writeUwsgiVar(rawKey key: UnsafeRawBufferPointer, value: some Collection<UInt8>) throws(WireError) -> Int {
        let valueCount = value.count
        guard key.count > 0 else { throw .emptyKey(offset: 0) }
        guard key.count <= Int(UInt16.max) else {
            throw .itemTooLong(key: String(decoding: key.prefix(64), as: UTF8.self), length: key.count)
        }
        guard valueCount <= Int(UInt16.max) else {
            throw .itemTooLong(key: String(decoding: key.prefix(64), as: UTF8.self), length: valueCount)
        }
        return self.writeWithUnsafeMutableBytes(minimumWritableBytes: 4 + key.count + valueCount) { out in
            guard let base = out.baseAddress else { return 0 }
            var writer = UwsgiVarWriter(base)
            writer.u16(key.count)
            writer.bytes(key)
            writer.u16(valueCount)
            UnsafeMutableRawBufferPointer(rebasing: out[writer.count..<(writer.count + valueCount)]).copyBytes(from: value)
            return writer.count + valueCount
        }
    }
}
