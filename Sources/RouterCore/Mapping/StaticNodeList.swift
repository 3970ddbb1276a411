/// The static mapper (`--xxx-to`): round robin in configuration order with a
/// cursor that moves on every request; a failed node is skipped until `gracetime` has passed
/// (uWSGI: `grace + gracetime <= now` revives it), then tried again.
///
/// Fleettop additions: nodes can be added and removed at runtime, drained, and given weights;
/// once any node has an operator weight, selection becomes smooth WRR over the same nodes.
public struct StaticNodeList: Sendable {
    /// How long a failed node is skipped (`--xxx-gracetime`, default 30 s).
    public var gracetime: Duration
    /// Nodes in configuration order.
    public private(set) var nodes: [StaticNode]
    /// Index the next round-robin pick starts from.
    public private(set) var cursor: Int = 0

    /// Creates a list; duplicate addresses are refused.
    public init(addresses: [String], gracetime: Duration = .seconds(30)) throws(RouterCoreError) {
        self.gracetime = gracetime
        self.nodes = []
        for address in addresses { try add(address) }
    }

    /// True when no static node is configured.
    public var isEmpty: Bool { nodes.isEmpty }

    /// The node with `address`, if present.
    public func node(address: String) -> StaticNode? {
        index(of: address).map { nodes[$0] }
    }

    /// Appends a node at runtime (1...255-byte address, not already present).
    public mutating func add(_ address: String, operators: OperatorState = .init()) throws(RouterCoreError) {
        let length = address.utf8.count
        guard (1...255).contains(length) else { throw .invalidAddress(address: address, byteCount: length) }
        guard index(of: address) == nil else { throw .duplicateStaticNode(address) }
        var node = StaticNode(address: address)
        let override = operators.override(key: nil, address: address)
        node.drain = override.drain
        node.operatorWeight = override.weight
        nodes.append(node)
    }

    /// Removes a node at runtime; sessions holding it just finish (their release is ignored).
    public mutating func remove(_ address: String) throws(RouterCoreError) {
        guard let index = index(of: address) else { throw .unknownNode(key: nil, address: address) }
        nodes.remove(at: index)
        if cursor > index { cursor -= 1 }
        if cursor >= nodes.count { cursor = 0 }
    }

    /// Picks a node and takes a reference on it; revives nodes whose gracetime has passed.
    public mutating func pick(now: RouterInstant, events: inout [RouterEvent]) -> Int? {
        guard !nodes.isEmpty else { return nil }
        var weighted = false
        for index in nodes.indices {
            if let grace = nodes[index].grace, now - grace >= gracetime {
                nodes[index].grace = nil
                events.append(.staticNodeRevived(address: nodes[index].address))
            }
            weighted = weighted || nodes[index].operatorWeight != nil
        }
        let chosen: Int?
        if weighted {
            chosen = NodeSelector.smoothWeightedRoundRobin(&nodes, level: 0)
        } else {
            chosen = roundRobin()
        }
        if let chosen { nodes[chosen].ref &+= 1 }
        return chosen
    }

    private mutating func roundRobin() -> Int? {
        let start = cursor % nodes.count
        // The cursor moves on every request, found or not, as uWSGI's does.
        cursor = (start + 1) % nodes.count
        for offset in 0..<nodes.count {
            let index = (start + offset) % nodes.count
            if nodes[index].isSelectable {
                cursor = (index + 1) % nodes.count
                return index
            }
        }
        return nil
    }

    /// Marks a node failed: `grace = now` (it is skipped until the gracetime passes).
    public mutating func markFailed(_ address: String, now: RouterInstant) -> [RouterEvent] {
        guard let index = index(of: address) else { return [] }
        nodes[index].grace = now
        return [.staticNodeFailed(address: address)]
    }

    /// Counts a successful connect (`hits`).
    public mutating func recordConnect(_ address: String) {
        guard let index = index(of: address) else { return }
        nodes[index].hits &+= 1
    }

    /// Ends a session's hold; reports draining → drained.
    public mutating func release(_ address: String, tx: UInt64 = 0, rx: UInt64 = 0) -> [RouterEvent] {
        guard let index = index(of: address), nodes[index].ref > 0 else { return [] }
        nodes[index].ref -= 1
        nodes[index].tx &+= tx
        nodes[index].rx &+= rx
        if nodes[index].ref == 0 && nodes[index].drain {
            return [.nodeDrained(key: nil, address: address)]
        }
        return []
    }

    /// Adds the per-session figures of another replica of the list (same nodes, same marks):
    /// each node's hits, traffic and references.
    mutating func fold(_ other: StaticNodeList) {
        for theirs in other.nodes {
            guard let index = index(of: theirs.address) else { continue }
            nodes[index].hits &+= theirs.hits
            nodes[index].tx &+= theirs.tx
            nodes[index].rx &+= theirs.rx
            nodes[index].ref &+= theirs.ref
        }
    }

    /// Re-reads drain and weight overrides (address-wide targets) into every node.
    public mutating func applyOperators(_ operators: OperatorState) -> [RouterEvent] {
        var events: [RouterEvent] = []
        for index in nodes.indices {
            let override = operators.override(key: nil, address: nodes[index].address)
            if override.drain && !nodes[index].drain && nodes[index].ref == 0 {
                events.append(.nodeDrained(key: nil, address: nodes[index].address))
            }
            nodes[index].drain = override.drain
            nodes[index].operatorWeight = override.weight
        }
        return events
    }

    private func index(of address: String) -> Int? {
        nodes.firstIndex { $0.address.hasSameBytes(as: address) }
    }
}
