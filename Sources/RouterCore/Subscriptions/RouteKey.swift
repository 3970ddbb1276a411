/// A routing key (subscription key, Host, fastrouter key) compared byte for byte.
///
/// uWSGI compares keys with `memcmp`; Swift `String` equality is Unicode-canonical, so two keys
/// that differ in bytes could compare equal. Keeping the UTF-8 bytes makes the table exact.
public struct RouteKey: Sendable, Hashable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The key's bytes as they travelled.
    public var bytes: [UInt8]

    /// Creates a key from raw bytes.
    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Creates a key from a string's UTF-8 bytes.
    public init(_ string: String) {
        self.bytes = Array(string.utf8)
    }

    /// Creates a key from a literal.
    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// The key as text (invalid UTF-8 repaired), for logs and stats.
    public var string: String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// Same as `string`.
    public var description: String { string }

    /// Byte length of the key.
    public var count: Int { bytes.count }

    /// Orders keys by their bytes, for stable listings.
    public static func < (lhs: RouteKey, rhs: RouteKey) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
