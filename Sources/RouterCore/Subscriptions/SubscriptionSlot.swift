/// One key's pool of nodes, in arrival order.
public struct SubscriptionSlot: Sendable, Hashable {
    /// The subscription key.
    public let key: RouteKey
    /// uWSGI's bucket index for the key (djb33x mod 65535).
    public let hash: UInt32
    /// Node lookups for this key, retries and fallback-key lookups included.
    public internal(set) var hits: UInt64 = 0
    /// An SNI context was requested when the slot was created (sni_key and sni_crt given).
    public let sniEnabled: Bool
    /// The slot's own algorithm from its first packet (nil: the router's default).
    public let algorithm: BalancingAlgorithm?
    /// Nodes in arrival order.
    public internal(set) var nodes: [SubscriptionNode]
    /// Where each address was last found, so a re-announce does not scan the whole pool.
    private var hints = AddressHints()

    init(key: RouteKey, sniEnabled: Bool, algorithm: BalancingAlgorithm?, first: SubscriptionNode) {
        self.key = key
        self.hash = SubscriptionHash.bucket(of: key)
        self.sniEnabled = sniEnabled
        self.algorithm = algorithm
        self.nodes = [first]
    }

    /// The index of the node with `address` (byte-exact), if present.
    public func index(ofAddress address: String) -> Int? {
        // Only each node's address is read: `firstIndex(where:)` and method calls on the element
        // copy the whole node (retaining every field), ~100 instructions per node on every
        // re-announce, and a re-announce scans the key's nodes linearly (as uWSGI does).
        nodes.withUnsafeBufferPointer { buffer in
            for index in buffer.indices where buffer[index].address.hasSameBytes(as: address) { return index }
            return nil
        }
    }

    /// The index of the node with `address`, through the hint left by the last lookup: a key
    /// with 1,000 nodes is re-announced ~1,000 times per announce period, and a linear scan
    /// each time would dominate the subscription server's cost. Hints are checked before use,
    /// so a removal or a reordering only costs one scan.
    mutating func locate(address: String) -> Int? {
        if let hint = hints.map[address], hint < nodes.count,
            nodes.withUnsafeBufferPointer({ $0[hint].address.hasSameBytes(as: address) })
        {
            return hint
        }
        guard let found = index(ofAddress: address) else { return nil }
        // Addresses that left the pool leave stale hints behind; bound them.
        if hints.map.count >= 2 * nodes.count + 16 { hints.map.removeAll(keepingCapacity: true) }
        hints.map[address] = found
        return found
    }

    /// The node with `address`, if present.
    public func node(address: String) -> SubscriptionNode? {
        index(ofAddress: address).map { nodes[$0] }
    }

    /// True when at least one node may take a new session.
    public var hasAliveNode: Bool { nodes.contains { $0.isAlive } }
}

/// A lookup cache inside a slot: not part of the slot's value (equal and hashed as nothing).
struct AddressHints: Sendable, Hashable {
    var map: [String: Int] = [:]

    static func == (lhs: AddressHints, rhs: AddressHints) -> Bool { true }

    func hash(into hasher: inout Hasher) {}
}
