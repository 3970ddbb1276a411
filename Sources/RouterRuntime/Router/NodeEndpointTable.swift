/// Node addresses parsed into endpoints once, when the node becomes known (a static node or
/// fallback at start, a subscription when it is announced, a computed mapper's address on its
/// first use), and kept with the routing state: a request's node then costs one table lookup
/// under the lock routing already holds, never a parse.
///
/// Only numeric and unix addresses are kept. Host names stay with `NodeResolver`, which
/// resolves and refreshes them off the data plane.
///
/// An open-addressing table (linear probing, at most half full) keyed by an FNV-1a hash of the
/// address's bytes: a lookup per request hashes a short address in a few dozen instructions,
/// where a `Dictionary<String, _>` ran `Hasher` (SipHash) and a byte comparison, about 390 a
/// request in all under callgrind.
struct NodeEndpointTable {
    /// The most addresses kept; past it the table starts again (a node dropped that way is
    /// parsed again on its next use).
    static let capacity = 4096

    /// One place of the table: empty, or an endpoint and its name's hash.
    private struct Entry {
        var hash: UInt64 = 0
        var endpoint: NodeEndpoint?
    }

    /// A power of two, at least twice `count` (empty until the first insert).
    private var entries: [Entry] = []

    /// Addresses kept.
    private(set) var count = 0

    /// The endpoint parsed for `address`, if kept.
    subscript(address: String) -> NodeEndpoint? {
        guard !entries.isEmpty else { return nil }
        let hash = Self.hash(address)
        let mask = entries.count - 1
        var index = Self.start(hash, mask: mask)
        while let endpoint = entries[index].endpoint {
            if entries[index].hash == hash && endpoint.name == address { return endpoint }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Keeps `endpoint` under its name, unless one is kept already.
    mutating func insert(_ endpoint: NodeEndpoint) {
        guard self[endpoint.name] == nil else { return }
        if count >= Self.capacity {
            entries = [Entry](repeating: Entry(), count: entries.count)
            count = 0
        }
        if (count + 1) * 2 > entries.count { grow() }
        place(Entry(hash: Self.hash(endpoint.name), endpoint: endpoint))
        count += 1
    }

    /// Doubles the table (16 places at first) and places every endpoint again.
    private mutating func grow() {
        let old = entries
        entries = [Entry](repeating: Entry(), count: Swift.max(16, old.count * 2))
        for entry in old where entry.endpoint != nil { place(entry) }
    }

    /// Puts `entry` in the first empty place from its hash's.
    private mutating func place(_ entry: Entry) {
        let mask = entries.count - 1
        var index = Self.start(entry.hash, mask: mask)
        while entries[index].endpoint != nil { index = (index + 1) & mask }
        entries[index] = entry
    }

    @inline(__always)
    private static func start(_ hash: UInt64, mask: Int) -> Int {
        Int(truncatingIfNeeded: hash ^ (hash &>> 29)) & mask
    }

    /// FNV-1a (64 bits) of the address's UTF-8 bytes, read from the string's own storage (a
    /// `utf8` view's iterator costs several times more a byte; `withUTF8` on a copy, 40
    /// instructions more a lookup, only for a string without contiguous storage).
    @inline(__always)
    static func hash(_ address: String) -> UInt64 {
        if let hash = address.utf8.withContiguousStorageIfAvailable(fnv1a) { return hash }
        var copy = address
        return copy.withUTF8(fnv1a)
    }

    @inline(__always)
    private static func fnv1a(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }
}
