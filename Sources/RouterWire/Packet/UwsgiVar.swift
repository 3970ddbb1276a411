import NIOCore

/// One key/value item of a uwsgi var block, as views into the packet's bytes (no copy).
public struct UwsgiVar: Sendable, Hashable {
    /// The key bytes (compared byte-wise, case-sensitive).
    public var key: ByteBufferView
    /// The raw value bytes.
    public var value: ByteBufferView

    /// Creates an item from two views.
    public init(key: ByteBufferView, value: ByteBufferView) {
        self.key = key
        self.value = value
    }

    /// The key as text (invalid UTF-8 is repaired with U+FFFD); allocates, so keep it off hot paths.
    public var keyString: String { String(decoding: self.key, as: UTF8.self) }

    /// The value as text (invalid UTF-8 is repaired with U+FFFD); allocates, so keep it off hot paths.
    public var valueString: String { String(decoding: self.value, as: UTF8.self) }
}
