import RouterWire

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
    /// Every node's position by address, kept exact on every add and removal, so finding a
    /// node (a re-announce) and adding one (a new address) cost O(1), not a scan of the pool.
    private var positions = AddressIndex()

    init(key: RouteKey, sniEnabled: Bool, algorithm: BalancingAlgorithm?, first: SubscriptionNode) {
        self.key = key
        self.hash = SubscriptionHash.bucket(of: key)
        self.sniEnabled = sniEnabled
        self.algorithm = algorithm
        self.nodes = [first]
        self.positions.map[first.address] = 0
    }

    /// The index of the node with `address` (byte-exact), if present.
    public func index(ofAddress address: String) -> Int? {
        guard let position = positions.map[address], position < nodes.count else { return nil }
        // `String` equality is canonical (NFC) equality; uWSGI compares bytes. Two addresses
        // that are canonically equal but differ in bytes share a map entry, so confirm bytes.
        let same = nodes.withUnsafeBufferPointer { $0[position].address.hasSameBytes(as: address) }
        return same ? position : nil
    }

    /// The index of the node with `address` (the table's lookup for refresh and release).
    func locate(address: String) -> Int? {
        index(ofAddress: address)
    }

    /// Refreshes the node with `address` from a re-announce read in place and returns its
    /// `nodeRefreshed` event (naming the key and address the slot holds, so nothing is
    /// allocated); nil when the slot has no such node.
    mutating func refresh(address: String, with announce: SubscriptionRefresh, now: RouterInstant) -> RouterEvent? {
        guard let nodeIndex = locate(address: address) else { return nil }
        let revived = nodes[nodeIndex].deathMark
        nodes[nodeIndex].refresh(cores: announce.cores, load: announce.load, weight: announce.weight, backup: announce.backup, now: now)
        return .nodeRefreshed(key: key, address: nodes[nodeIndex].address, revived: revived)
    }

    /// Appends a node whose address is not in the slot yet: amortised O(1).
    mutating func append(_ node: SubscriptionNode) {
        positions.map[node.address] = nodes.count
        nodes.append(node)
    }

    /// True when a node with `address` (compared canonically, as the index does) exists, so
    /// a new node with it could not be indexed: the table refuses such an address.
    func hasCanonicalTwin(of address: String) -> Bool {
        positions.map[address] != nil
    }

    /// Removes every dead node no session holds, in one pass, and re-indexes the rest;
    /// returns the removed addresses in order.
    mutating func removeDeadUnheld() -> [String] {
        var removed: [String] = []
        var kept: [SubscriptionNode] = []
        kept.reserveCapacity(nodes.count)
        for node in nodes {
            if node.deathMark && node.ref == 0 { removed.append(node.address) } else { kept.append(node) }
        }
        guard !removed.isEmpty else { return [] }
        nodes = kept
        positions.map.removeAll(keepingCapacity: true)
        for (index, node) in nodes.enumerated() { positions.map[node.address] = index }
        return removed
    }

    /// The node with `address`, if present.
    public func node(address: String) -> SubscriptionNode? {
        index(ofAddress: address).map { nodes[$0] }
    }

    /// True when at least one node may take a new session.
    public var hasAliveNode: Bool { nodes.contains { $0.isAlive } }
}

/// The address index inside a slot: derived from `nodes`, so not part of the slot's value
/// (equal and hashed as nothing).
struct AddressIndex: Sendable, Hashable {
    var map: [String: Int] = [:]

    static func == (lhs: AddressIndex, rhs: AddressIndex) -> Bool { true }

    func hash(into hasher: inout Hasher) {}
}
