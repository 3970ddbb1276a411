/// uWSGI's subscription hashing (`core/hash.c`): djb33x over *signed* chars, 32-bit wrap.
public enum SubscriptionHash {
    /// Number of buckets in uWSGI's table; the bucket index printed as `"hash"` is taken mod this.
    public static let bucketCount: UInt32 = 65535

    /// djb33x: h = 5381, then h = (h × 33) XOR byte for each byte, the byte sign-extended as C's
    /// `char` is on x86 and arm64 Linux builds of uWSGI.
    @inlinable
    public static func djb33x<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var hash: UInt32 = 5381
        for byte in bytes {
            hash = (hash &* 33) ^ UInt32(bitPattern: Int32(Int8(bitPattern: byte)))
        }
        return hash
    }

    /// The bucket index uWSGI prints as a slot's `"hash"` (`example.com` → 30778).
    public static func bucket(of key: RouteKey) -> UInt32 {
        djb33x(key.bytes) % bucketCount
    }
}
