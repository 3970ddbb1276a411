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
    /// Every node's serial by address and the serials in node order, so adding a node (a new
    /// address) costs O(1) and finding one (a re-announce) O(1) until a removal and O(log n)
    /// after, not a scan of the pool; a removal re-indexes nothing (see `AddressIndex`).
    private var positions = AddressIndex()

    init(key: RouteKey, sniEnabled: Bool, algorithm: BalancingAlgorithm?, first: SubscriptionNode) {
        self.key = key
        self.hash = SubscriptionHash.bucket(of: key)
        self.sniEnabled = sniEnabled
        self.algorithm = algorithm
        self.nodes = [first]
        self.positions.add(first.address)
    }

    /// The index of the node with `address` (byte-exact), if present.
    public func index(ofAddress address: String) -> Int? {
        guard let position = positions.position(of: address), position < nodes.count else { return nil }
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
        positions.add(node.address)
        nodes.append(node)
    }

    /// True when a node with `address` (compared canonically, as the index does) exists, so
    /// a new node with it could not be indexed: the table refuses such an address.
    func hasCanonicalTwin(of address: String) -> Bool {
        positions.map[address] != nil
    }

    /// Removes every dead node no session holds, in one pass; returns the removed addresses
    /// in order. The others keep their index entries.
    mutating func removeDeadUnheld() -> [String] {
        var removed: [String] = []
        var kept: [SubscriptionNode] = []
        var keptSerials: [Int] = []
        kept.reserveCapacity(nodes.count)
        keptSerials.reserveCapacity(nodes.count)
        for (node, serial) in zip(nodes, positions.serials) {
            if node.deathMark && node.ref == 0 {
                removed.append(node.address)
            } else {
                kept.append(node)
                keptSerials.append(serial)
            }
        }
        guard !removed.isEmpty else { return [] }
        nodes = kept
        positions.serials = keptSerials
        for address in removed { positions.map[address] = nil }
        return removed
    }

    /// Removes the node at `index` and returns its address: the nodes after it move up (a
    /// memory move), and no other node's index entry changes.
    mutating func remove(at index: Int) -> String {
        let address = nodes.remove(at: index).address
        positions.serials.remove(at: index)
        positions.map[address] = nil
        return address
    }

    /// The node with `address`, if present.
    public func node(address: String) -> SubscriptionNode? {
        index(ofAddress: address).map { nodes[$0] }
    }

    /// True when at least one node may take a new session.
    public var hasAliveNode: Bool { nodes.contains { $0.isAlive } }
}

/// The address index inside a slot: each node gets a serial when added, `map` finds it by
/// address and `serials`, ascending in node order (nodes are only appended, and removals keep
/// the order), finds its position. Until a removal, a node's position is its serial less the
/// first's; after, a binary search below that. So a removal changes no other node's entry:
/// rebuilding the map on each one cost a 10,000-node pool losing a third of its nodes 33
/// million hashed addresses (7.9 s of a debug build's test, 0.34 s now). Derived from
/// `nodes`, so not part of the slot's value (equal and hashed as nothing).
struct AddressIndex: Sendable, Hashable {
    /// Serials by address.
    var map: [String: Int] = [:]
    /// The nodes' serials, in node order.
    var serials: [Int] = []
    /// The next node's serial.
    private var next = 0

    /// Gives `address`, appended as the last node, the next serial.
    mutating func add(_ address: String) {
        map[address] = next
        serials.append(next)
        next += 1
    }

    /// The position of the node with `address` (compared canonically), if any.
    func position(of address: String) -> Int? {
        guard let serial = map[address], let first = serials.first, serial >= first else { return nil }
        // Positions are at most a serial's distance from the first: only removals close gaps.
        var upper = Swift.min(serial - first, serials.count - 1)
        if serials[upper] == serial { return upper }
        var lower = 0
        while lower < upper {
            let middle = lower + (upper - lower) / 2
            if serials[middle] < serial { lower = middle + 1 } else { upper = middle }
        }
        return serials[lower] == serial ? lower : nil
    }

    static func == (lhs: AddressIndex, rhs: AddressIndex) -> Bool { true }

    func hash(into hasher: inout Hasher) {}
}
