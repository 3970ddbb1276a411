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

    init(key: RouteKey, sniEnabled: Bool, algorithm: BalancingAlgorithm?, first: SubscriptionNode) {
        self.key = key
        self.hash = SubscriptionHash.bucket(of: key)
        self.sniEnabled = sniEnabled
        self.algorithm = algorithm
        self.nodes = [first]
    }

    /// The index of the node with `address` (byte-exact), if present.
    public func index(ofAddress address: String) -> Int? {
        nodes.firstIndex { $0.hasAddress(address) }
    }

    /// The node with `address`, if present.
    public func node(address: String) -> SubscriptionNode? {
        index(ofAddress: address).map { nodes[$0] }
    }

    /// True when at least one node may take a new session.
    public var hasAliveNode: Bool { nodes.contains { $0.isAlive } }
}
